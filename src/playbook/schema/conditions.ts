import { z } from 'zod';
import { label } from './common.ts';

const tagList = z.array(label).min(1).max(50);

const conditionShape = {
  tagged: tagList.optional().describe('The subject has every one of these tags.'),
  taggedAny: tagList.optional().describe('The subject has at least one of these tags.'),
  notTagged: tagList.optional().describe('The subject has none of these tags.'),
  attributes: z
    .record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .describe('Contact attributes that must equal these values, e.g. { city: 上海 }.'),
  referred: z.boolean().optional().describe('true: the contact arrived through a referral code; false: it did not.'),
  invitedBy: z
    .enum(['koc', 'staff', 'customer', 'anyone'])
    .optional()
    .describe('room.joined: who invited the member, looked up among the staff by WeCom user id when the member joins: koc = a guide or ambassador in the KOC program (with a KOC profile), staff = another staff member, customer = anyone else, anyone = someone invited them.'),
  tier: z.array(label).min(1).optional().describe('The KOC (staff subject, or the contact\'s referrer) is in one of these tiers.'),
  optedOut: z.boolean().optional().describe('The contact replied 退订/TD.'),
};

/** All listed conditions must hold; `any` holds when one of its entries does. */
export interface Condition {
  tagged?: string[] | undefined;
  taggedAny?: string[] | undefined;
  notTagged?: string[] | undefined;
  attributes?: Record<string, string | number | boolean> | undefined;
  referred?: boolean | undefined;
  invitedBy?: 'koc' | 'staff' | 'customer' | 'anyone' | undefined;
  tier?: string[] | undefined;
  optedOut?: boolean | undefined;
  any?: Condition[] | undefined;
}

export const condition: z.ZodType<Condition> = z
  .strictObject({
    ...conditionShape,
    get any() {
      return z.array(condition).min(2).optional().describe('Holds when at least one of these conditions holds.');
    },
  })
  .describe('Conditions on the subject; every condition listed must hold.');
