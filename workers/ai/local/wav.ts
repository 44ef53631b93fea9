// RIFF/WAVE reading and writing for 8/16-bit PCM: enough to take the synthesiser's output apart and
// write a header we know is right (eSpeak's streaming writer may leave sizes unset).

export type Pcm = { sampleRate: number; channels: number; bitsPerSample: number; data: Uint8Array };

const text = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));

export function parseWav(bytes: Uint8Array): Pcm {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || text(bytes, 0) !== "RIFF" || text(bytes, 8) !== "WAVE") throw new Error("not a RIFF/WAVE file");
  let format: Omit<Pcm, "data"> | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = text(bytes, at);
    const declared = view.getUint32(at + 4, true);
    const size = Math.min(declared, bytes.length - at - 8);
    if (id === "fmt ") {
      if (view.getUint16(at + 8, true) !== 1) throw new Error("only PCM WAVE is supported");
      format = { channels: view.getUint16(at + 10, true), sampleRate: view.getUint32(at + 12, true), bitsPerSample: view.getUint16(at + 22, true) };
    } else if (id === "data") {
      if (!format) throw new Error("WAVE data before its format");
      const frame = format.channels * (format.bitsPerSample / 8);
      const usable = size - (size % frame);
      return { ...format, data: bytes.slice(at + 8, at + 8 + usable) };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error("WAVE file has no data chunk");
}

export function encodeWav(pcm: Pcm): Uint8Array {
  const out = new Uint8Array(44 + pcm.data.length);
  const view = new DataView(out.buffer);
  const put = (at: number, tag: string) => [...tag].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  const blockAlign = pcm.channels * (pcm.bitsPerSample / 8);
  put(0, "RIFF");
  view.setUint32(4, 36 + pcm.data.length, true);
  put(8, "WAVE");
  put(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, pcm.channels, true);
  view.setUint32(24, pcm.sampleRate, true);
  view.setUint32(28, pcm.sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, pcm.bitsPerSample, true);
  put(36, "data");
  view.setUint32(40, pcm.data.length, true);
  out.set(pcm.data, 44);
  return out;
}

export function durationSeconds(pcm: Pcm): number {
  return pcm.data.length / (pcm.sampleRate * pcm.channels * (pcm.bitsPerSample / 8));
}
