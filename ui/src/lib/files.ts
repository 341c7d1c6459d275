// Bytes ↔ base64, chart images → files, and object URLs for showing SVG charts as images.

import type { ChartImage, FileData } from "../api/types";

/** Base64 of raw bytes (chunked, so large files don't overflow the call stack). */
export function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    bin += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(bin);
}

/** Raw bytes of base64 text. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Base64 of text encoded as UTF-8. */
export function textToBase64(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}

/** A drawn chart as a file to save: SVG text is encoded; PNG data is base64 already. */
export function chartToFile(img: ChartImage): FileData {
  const isSvg = img.mime.startsWith("image/svg");
  return {
    filename: img.filename,
    mime: img.mime,
    base64: isSvg ? textToBase64(img.data) : img.data,
  };
}

/**
 * An object URL showing the chart in an `<img>` (never inline SVG in the DOM: it carries
 * untrusted names; as an image it cannot run script or load anything). Revoke it when done.
 */
export function chartObjectUrl(img: ChartImage): string {
  const blob = img.mime.startsWith("image/svg")
    ? new Blob([img.data], { type: img.mime })
    : new Blob([base64ToBytes(img.data) as BlobPart], { type: img.mime });
  return URL.createObjectURL(blob);
}
