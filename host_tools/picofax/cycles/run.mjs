// Runs a bare-metal Cortex-M0+ image on the rp2040js RP2040 emulator and reports
// cycle counts as JSON on stdout.
//
//   node run.mjs IMAGE.bin [MAX_CYCLES]
//
// The image is a flat binary linked at 0x20000000 (link.ld) and is written to SRAM;
// VTOR points at its vector table and the core is reset, so no bootrom is needed.
// The image talks to this runner through BKPT instructions (host.h):
//   bkpt 0x01  r0 = name pointer, r1 = samples per block   begin a measurement
//   bkpt 0x02  r0 = samples                                 end of one block
//   bkpt 0x03  r0 = result, r1 = flags                      end of the measurement
//   bkpt 0x04                                               restart the block clock
//   bkpt 0x00  r0 = exit code                               stop
//   bkpt 0xfe                                               HardFault: stop, fail
// core.cycles uses the Cortex-M0+ timing table (single-cycle multiplier as on the
// RP2040). Flash cache misses, bus contention and the SIO divider's latency are not
// modelled. Any warning or error the emulator logs (an unimplemented instruction, an
// access to an unmapped address) fails the run: the counts would not be trustworthy.
//
// Exit status: 0 when the image exited with code 0 and nothing was logged, 1 when
// the image returned non-zero, 2 on a fault, a logged warning or too many cycles.
import { readFileSync } from 'node:fs';
import { RP2040 } from 'rp2040js';

const SRAM_BASE = 0x20000000;
const DEFAULT_MAX_CYCLES = 2e9;

function readCString(mcu, addr, max = 80) {
  let s = '';
  for (let i = 0; i < max; i++) {
    const c = mcu.readUint8(addr + i);
    if (c === 0) {
      break;
    }
    s += String.fromCharCode(c);
  }
  return s;
}

function run(imagePath, maxCycles) {
  const image = readFileSync(imagePath);
  const mcu = new RP2040();
  const problems = [];
  mcu.logger = {
    debug() {},
    info() {},
    warn(component, message) {
      problems.push(`${component}: ${message}`);
    },
    error(component, message) {
      problems.push(`${component}: ${message}`);
    },
  };
  if (image.length > mcu.sram.length) {
    throw new Error(`image of ${image.length} bytes does not fit SRAM`);
  }
  mcu.sram.set(image, 0);
  mcu.core.VTOR = SRAM_BASE;
  mcu.core.reset();

  const core = mcu.core;
  const measurements = [];
  let current = null;
  let mark = 0;
  let exitCode = null;
  let fault = false;

  mcu.onBreak = (code) => {
    const r0 = core.registers[0] >>> 0;
    const r1 = core.registers[1] >>> 0;
    if (code === 0x01) {
      current = { name: readCString(mcu, r0), block_samples: r1, samples: 0, blocks: [] };
      mark = core.cycles;
    } else if (code === 0x02) {
      if (current === null) {
        problems.push('runner: lap outside a measurement');
        return;
      }
      current.blocks.push(core.cycles - mark);
      current.samples += r0;
      mark = core.cycles;
    } else if (code === 0x03) {
      if (current === null) {
        problems.push('runner: end outside a measurement');
        return;
      }
      current.result = r0 | 0;
      current.flags = r1;
      measurements.push(current);
      current = null;
    } else if (code === 0x04) {
      mark = core.cycles;
    } else if (code === 0x00) {
      exitCode = r0 | 0;
    } else {
      fault = true;
      problems.push(`runner: fault (bkpt 0x${code.toString(16)}) near pc 0x${core.PC.toString(16)}`);
    }
  };

  let instructions = 0;
  while (exitCode === null && !fault && problems.length === 0) {
    core.executeInstruction();
    instructions++;
    if (core.cycles > maxCycles) {
      problems.push(`runner: still running after ${maxCycles} cycles`);
      break;
    }
  }
  return {
    exit: exitCode,
    cycles: core.cycles,
    instructions,
    measurements,
    problems,
  };
}

const [imagePath, maxArg] = process.argv.slice(2);
if (!imagePath) {
  process.stderr.write('usage: node run.mjs IMAGE.bin [MAX_CYCLES]\n');
  process.exit(2);
}
const result = run(imagePath, maxArg ? Number(maxArg) : DEFAULT_MAX_CYCLES);
process.stdout.write(JSON.stringify(result) + '\n');
if (result.problems.length > 0 || result.exit === null) {
  process.exit(2);
}
process.exit(result.exit === 0 ? 0 : 1);
