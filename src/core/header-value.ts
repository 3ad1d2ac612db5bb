/**
 * A header value Node will send, from text that may have come from a client (a model name, a
 * routing reason naming one). Node refuses any character past U+00FF and every control but tab,
 * and a refused value fails the whole response. As Go's server does, line breaks (and here every
 * other control) become spaces and the rest goes out as its UTF-8 bytes, which Node writes as
 * latin1, one byte a character. Plain printable ASCII, nearly every value, is returned as it is.
 */
export function headerSafe(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if ((unit < 0x20 && unit !== 0x09) || unit > 0x7e) return encoded(value);
  }
  return value;
}

function encoded(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the controls are what is replaced.
  const spaced = value.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' ');
  return Buffer.from(spaced, 'utf8').toString('latin1');
}
