import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const deflate = promisify(zlib.deflate);
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Encodes 8-bit premultiplied RGBA pixels (resvg's `RenderedImage.pixels`) as a PNG, compressing on libuv's
 * thread pool (zlib's async deflate). resvg's own `asPng()` encodes synchronously on the calling
 * thread, ~8.5 ms of the event loop per /streak heatmap here; this keeps only the row copy (and the
 * division of the few partly transparent pixels) on it. Every row uses filter 0 (none): the
 * heatmap's flat colours compress well without, and the file comes out smaller than resvg's
 * (~23 KB against ~32 KB).
 */
export async function encodePng(pixels: Buffer, width: number, height: number, signal?: AbortSignal): Promise<Buffer> {
  const stride = width * 4;
  if (pixels.length !== stride * height) throw new Error(`PNG encoding: ${pixels.length} bytes are not ${width}×${height} RGBA pixels`);
  const raw = Buffer.allocUnsafe((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1);
    raw[row] = 0;
    pixels.copy(raw, row + 1, y * stride, (y + 1) * stride);
    // resvg's pixels are premultiplied by alpha, PNG's are not: only edge pixels (anti-aliased
    // rounded corners) are partly transparent, and they alone need dividing.
    for (let i = row + 4; i <= row + stride; i += 4) {
      const alpha = raw[i]!;
      if (alpha === 255 || alpha === 0) continue;
      for (let c = i - 3; c < i; c++) raw[c] = Math.min(255, Math.round((raw[c]! * 255) / alpha));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA; compression, filter method and interlace stay 0
  const data = await deflate(raw, { level: 6 });
  signal?.throwIfAborted();
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', data), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
