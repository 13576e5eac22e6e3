/** Collapses every run of whitespace and control characters (CR, LF, NUL …) into one space. */
export function oneLine(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return s.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
}
