/**
 * The UTF-8 size of a string, counted without encoding it; stops at `stopAfter + 1`, since past
 * a limit only "too large" matters. A lone surrogate counts as the 3 bytes of U+FFFD, which is
 * what encoding it writes.
 */
export function utf8Length(text: string, stopAfter = Number.POSITIVE_INFINITY): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index++;
      } else bytes += 3;
    } else bytes += 3;
    if (bytes > stopAfter) return stopAfter + 1;
  }
  return bytes;
}

/**
 * Whether a string takes more than `limit` bytes as UTF-8. A UTF-16 code unit takes 3 bytes at
 * most (a surrogate pair 4 for its two), so a string of at most a third of the limit in code
 * units is within it whatever it holds, and is not counted: most payloads never are.
 */
export function utf8Exceeds(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  return utf8Length(text, limit) > limit;
}
