/**
 * Text from outside (WeChat messages, names, greetings, room topics) made storable: PostgreSQL's text and jsonb
 * refuse NUL (U+0000) and JSON with a lone UTF-16 surrogate, so one such character used to make the whole event
 * fail to log — and an event that cannot be logged is never handled. NUL is dropped, a lone surrogate becomes
 * U+FFFD (what TextDecoder does with broken UTF-8).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function storableText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u0000/g, '').replace(LONE_SURROGATE, '\uFFFD');
}
