/**
 * The deepest nesting a JSON body may have (objects and arrays). Real webhook payloads nest about 10 deep;
 * serde_json stops at 128 too. Far deeper bodies overflow the stack of every recursive reader after the parse
 * (`JSON.stringify`, zod, the command input hash), which no retry can fix.
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Index after the string whose opening quote is at `start`, skipping escapes; the text's length when it never closes.
 */
function afterString(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/**
 * True when `text`, read as JSON, nests objects and arrays deeper than `max`. One pass over the text, jumping over
 * strings with `indexOf`, without parsing: cheap enough to run on every webhook before `JSON.parse`. Malformed
 * JSON is not judged here (the parse refuses it).
 *
 * @example
 * jsonTooDeep('[[[1]]]', 2) // true
 * jsonTooDeep('{"a":"[[[["}', 2) // false: brackets inside strings do not count
 */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  // Each level takes a character at least.
  if (text.length <= max) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = afterString(text, i) - 1;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth -= 1;
    }
  }
  return false;
}
