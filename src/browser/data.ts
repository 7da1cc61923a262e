/** Reading the data embedded in the page: JSON, or gzipped JSON in base64 (large documents). */

function decodeBase64(text: string): Uint8Array {
  const base64 = Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array };
  if (typeof base64.fromBase64 === 'function') return base64.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** An embedded data element, parsed. Nothing is fetched. */
export async function readData(id: string): Promise<unknown> {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`no data element ${id} in this file`);
  const text = element.textContent;
  if (element.getAttribute('data-encoding') !== 'gzip-base64') return JSON.parse(text) as unknown;
  const stream = new Blob([decodeBase64(text.trim()) as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(stream).text()) as unknown;
}
