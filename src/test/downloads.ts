/**
 * Captures what the page saves through `saveTextFile` (a Blob URL and a link click), so tests
 * can read the file's text and type. Call `restore()` at the end of the test.
 */
export function captureDownloads() {
  const saved: Blob[] = [];
  URL.createObjectURL = jest.fn((blob: Blob) => {
    saved.push(blob);
    return `blob:${saved.length}`;
  });
  URL.revokeObjectURL = jest.fn();
  const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
  return {
    saved,
    click,
    text: (i = 0) =>
      new Promise<string>((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result));
        reader.readAsText(saved[i]);
      }),
    restore: () => click.mockRestore(),
  };
}
