import type { YamlPath } from './yamlSource.ts';

/**
 * WeCom's limits for a customer Moments post (客户朋友圈): 2,000 characters of text; attachments are 9 images,
 * or 1 video, or 1 link, never mixed. The values are settings here so a change at WeCom is one edit.
 */
export const MOMENT_LIMITS = { maxTextChars: 2000, maxImages: 9 } as const;

export interface MomentShape {
  text?: string | string[] | { template: string };
  images?: string[];
  video?: string;
  link?: unknown;
}

/** Characters a template shows at least: its text without the {{…}} parts, which add to it at send time. */
export function staticLength(template: string): number {
  return [...template.replace(/\{\{[\s\S]*?\}\}/g, '')].length;
}

export function checkMoment(moment: MomentShape, templates: Map<string, string[]>): { path: YamlPath; message: string }[] {
  const problems: { path: YamlPath; message: string }[] = [];
  const { text } = moment;
  const variants = text === undefined ? [] : typeof text === 'string' ? [text] : Array.isArray(text) ? text : (templates.get(text.template) ?? []);
  variants.forEach((variant, i) => {
    const length = staticLength(variant);
    if (length > MOMENT_LIMITS.maxTextChars) {
      const path: YamlPath = Array.isArray(text) ? ['text', i] : ['text'];
      problems.push({ path, message: `Moments text has ${length} characters; WeCom allows ${MOMENT_LIMITS.maxTextChars}: shorten it by ${length - MOMENT_LIMITS.maxTextChars}` });
    }
  });
  const images = moment.images?.length ?? 0;
  if (images > MOMENT_LIMITS.maxImages) {
    problems.push({ path: ['images'], message: `${images} images; a Moments post has at most ${MOMENT_LIMITS.maxImages}` });
  }
  const kinds = [images > 0 ? 'images' : '', moment.video ? 'video' : '', moment.link ? 'link' : ''].filter(Boolean);
  if (kinds.length > 1) {
    problems.push({ path: [kinds[1]!], message: `a Moments post carries images, or one video, or one link, not ${kinds.join(' and ')}: make two posts` });
  }
  if (text === undefined && kinds.length === 0) {
    problems.push({ path: [], message: 'a Moments post needs text, images, a video or a link' });
  }
  return problems;
}
