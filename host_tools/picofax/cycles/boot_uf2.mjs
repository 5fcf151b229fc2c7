// Boots an RP2040 firmware UF2 (e.g. the Pico W build) on the rp2040js emulator,
// runs one MicroPython script through the raw REPL over the emulated USB CDC, and
// prints what the board prints.
//
//   node boot_uf2.mjs BOOTROM.bin FIRMWARE.uf2 SCRIPT.py END_TEXT [TIMEOUT_S]
//
// BOOTROM.bin is the 16 KB RP2040 B1 boot ROM (built from raspberrypi/pico-bootrom;
// not shipped here): MicroPython calls its functions. Wi-Fi and Bluetooth are not
// emulated, so the script must not start them. The run ends with status 0 when
// END_TEXT appears in the output, 1 on a Python traceback, 3 on timeout.
import { readFileSync } from 'node:fs';
import { ConsoleLogger, LogLevel, Simulator, USBCDC } from 'rp2040js';

const FLASH_BASE = 0x10000000;
const UF2_BLOCK_BYTES = 512;
const CDC_CHUNK_BYTES = 64; // the emulated CDC drops input beyond its 512-byte FIFO
const CDC_CHUNK_MS = 20;

const [bootromPath, uf2Path, scriptPath, endText, timeoutArg] = process.argv.slice(2);
if (!endText) {
  process.stderr.write('usage: node boot_uf2.mjs BOOTROM.bin FIRMWARE.uf2 SCRIPT.py END_TEXT [TIMEOUT_S]\n');
  process.exit(2);
}

const sim = new Simulator();
const mcu = sim.rp2040;
const rom = readFileSync(bootromPath);
mcu.loadBootrom(new Uint32Array(rom.buffer, rom.byteOffset, rom.length >> 2));
mcu.logger = new ConsoleLogger(LogLevel.Error, false);

// UF2: 512-byte blocks, target address at offset 12, payload size at 16, data at 32.
const uf2 = readFileSync(uf2Path);
for (let off = 0; off + UF2_BLOCK_BYTES <= uf2.length; off += UF2_BLOCK_BYTES) {
  const block = uf2.subarray(off, off + UF2_BLOCK_BYTES);
  const addr = block.readUInt32LE(12);
  const size = block.readUInt32LE(16);
  mcu.flash.set(block.subarray(32, 32 + size), addr - FLASH_BASE);
}

const script = readFileSync(scriptPath);
const cdc = new USBCDC(mcu.usbCtrl);
const pending = [];
let output = '';

function feed() {
  for (let i = 0; i < CDC_CHUNK_BYTES && pending.length > 0; i++) {
    cdc.sendSerialByte(pending.shift());
  }
  if (pending.length > 0) {
    setTimeout(feed, CDC_CHUNK_MS);
  }
}

cdc.onDeviceConnected = () => {
  setTimeout(() => {
    pending.push(3, 3, 1); // Ctrl-C twice, then Ctrl-A: raw REPL
    for (const byte of script) {
      pending.push(byte);
    }
    pending.push(4); // Ctrl-D: run it
    feed();
  }, 500);
};

cdc.onSerialData = (value) => {
  const text = Buffer.from(value).toString('latin1');
  output += text;
  process.stdout.write(text);
  if (output.includes(endText)) {
    process.exit(0);
  }
  if (output.includes('Traceback (most recent call last)')) {
    setTimeout(() => process.exit(1), 200);
  }
};

setTimeout(() => {
  process.stdout.write('\nboot_uf2: timeout\n');
  process.exit(3);
}, 1000 * Number(timeoutArg || 300));

mcu.core.PC = FLASH_BASE;
sim.execute();
