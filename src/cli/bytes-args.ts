// Keys and values in any bytes. Node decodes command-line arguments as UTF-8 and replaces bytes
// that are not with U+FFFD before any code sees them, so `put k $'a\xff'` used to store EF BF BD
// and say OK: the CLI silently changed data. Arguments are now refused when they carry U+FFFD,
// binary data goes in with --hex / --base64 or on standard input, and output never re-encodes a
// value: valid UTF-8 as it is, anything else escaped (\xNN), or the bytes themselves with --raw.
import { type Command, Option } from 'commander';
import { UsageError } from './common.js';

/** How keys and values are written on the command line and printed. */
export type ByteEncoding = 'text' | 'hex' | 'base64';

/** The byte options of a verb. */
export interface ByteOptions {
  hex?: boolean;
  base64?: boolean;
  raw?: boolean;
}

/** Adds --hex, --base64 and (for verbs that print values) --raw. */
export function withByteOptions(cmd: Command, prints: boolean): Command {
  cmd
    .addOption(new Option('--hex', 'keys and values are hex on the command line and in the output').conflicts('base64'))
    .addOption(new Option('--base64', 'keys and values are base64 on the command line and in the output'));
  if (prints) cmd.option('--raw', 'print values as their bytes, even when they are not UTF-8');
  return cmd;
}

/** The encoding the options ask for. */
export function encodingOf(o: ByteOptions): ByteEncoding {
  return o.hex ? 'hex' : o.base64 ? 'base64' : 'text';
}

/** An argument as bytes; refuses what cannot be what the user typed. */
export function argBytes(text: string, what: string, enc: ByteEncoding): Buffer {
  switch (enc) {
    case 'hex':
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new UsageError(`${what}: "${text.slice(0, 40)}" is not hex (two digits per byte)`);
      return Buffer.from(text, 'hex');
    case 'base64':
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new UsageError(`${what}: not base64`);
      return Buffer.from(text, 'base64');
    case 'text':
      if (text.includes('\uFFFD')) {
        throw new UsageError(`${what} is not valid UTF-8 (the shell passed bytes the command line cannot carry): give it with --hex or --base64, or the value on standard input`);
      }
      return Buffer.from(text, 'utf8');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes for a terminal: UTF-8 text as it is, other bytes escaped (\xNN); or hex/base64/raw. */
export function showBytes(b: Buffer, enc: ByteEncoding, raw = false): Buffer {
  if (enc === 'hex') return Buffer.from(b.toString('hex'));
  if (enc === 'base64') return Buffer.from(b.toString('base64'));
  if (raw) return b;
  try {
    utf8.decode(b);
    return b;
  } catch {
    let s = '';
    for (const byte of b) s += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
    return Buffer.from(s);
  }
}
