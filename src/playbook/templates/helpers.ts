import Handlebars from 'handlebars';

/**
 * The one Handlebars environment of kocflow: lint checks against the same helpers the engine renders with.
 * Templates come only from playbook files, never from customer input; prototype access stays locked.
 */
export const TEMPLATE_HELPERS = {
  /** `{{date coupon.expiresAt 'M月D日'}}`: an instant in the account's time zone (tokens YYYY M MM D DD H HH mm). */
  date: 'date',
  /** `{{default contact.alias contact.name}}`: the first value that is not empty. */
  default: 'default',
} as const;
export type HelperName = keyof typeof TEMPLATE_HELPERS;

export const BUILT_IN_BLOCKS = ['if', 'unless', 'each', 'with'] as const;

export interface RenderData {
  /** The IANA zone dates are shown in. */
  timeZone: string;
}

export function createTemplateEnvironment(): typeof Handlebars {
  const env = Handlebars.create();
  env.registerHelper('date', function (value: unknown, format: unknown, options: Handlebars.HelperOptions) {
    const zone = (options?.data as { timeZone?: string } | undefined)?.timeZone ?? 'Asia/Shanghai';
    const instant = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(instant.getTime())) return '';
    return formatLocal(instant, typeof format === 'string' ? format : 'YYYY-MM-DD', zone);
  });
  env.registerHelper('default', (...args: unknown[]) => {
    const values = args.slice(0, -1);
    return values.find((v) => v !== undefined && v !== null && v !== '') ?? '';
  });
  return env;
}

export const COMPILE_OPTIONS = {
  knownHelpers: { date: true, default: true },
  knownHelpersOnly: false,
  strict: false,
  noEscape: true, // chat text, not HTML: "&" must stay "&"
} as const;

export const RUNTIME_OPTIONS = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
} as const;

/** Formats an instant as local time in a zone with a small token set ops know from dayjs. */
export function formatLocal(instant: Date, format: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const tokens: Record<string, string> = {
    YYYY: parts.year!, MM: parts.month!.padStart(2, '0'), M: parts.month!, DD: parts.day!.padStart(2, '0'),
    D: parts.day!, HH: parts.hour!.padStart(2, '0'), H: parts.hour!, mm: parts.minute!.padStart(2, '0'), ss: parts.second!.padStart(2, '0'),
  };
  return format.replace(/YYYY|MM|M|DD|D|HH|H|mm|ss/g, (token) => tokens[token]!);
}
