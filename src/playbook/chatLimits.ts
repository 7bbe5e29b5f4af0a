/**
 * WeCom's limit for the text of one message to a customer or a group: 4,000 bytes of UTF-8 (the `text.content` of
 * 客户联系's mass messages and welcome messages; a Chinese character takes 3 bytes, so about 1,333 of them). Puppets
 * publish no limit of their own, so kocflow holds chat texts to the API's.
 */
export const CHAT_TEXT_LIMITS = { maxTextBytes: 4000 } as const;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
