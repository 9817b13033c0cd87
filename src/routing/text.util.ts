/**
 * Text helpers shared by the router's parts. Every part works on the same normalised text so
 * that the spans one part finds (a village, an explicit `#8`) can be masked for the others.
 */

/**
 * Full-width forms folded (＃８ → #8, ： → :), Latin lower-cased (D级 → d级), white space dropped:
 * cadres type on phones with whatever keyboard is at hand, and Chinese needs no spaces.
 */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

/** A half-open range [start, end) of the normalised text. */
export interface Span {
  start: number;
  end: number;
}

/**
 * The text's code points into `out` from 0, as `[...text]` splits it (a lone surrogate is one),
 * returning how many; `out` needs room for `text.length`. For readers that build no strings.
 */
export function codePointsInto(text: string, out: Int32Array): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = (cp - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        i++;
      }
    }
    out[count++] = cp;
  }
  return count;
}

/** Household names as reports anonymise them (王某某, 李某): they say nothing about the problem. */
export const PERSON_PLACEHOLDER = /[\u4e00-\u9fa5]某某?/g;

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Slips of a pinyin keyboard that cadres make in the words that matter (底保, 医宝, 危方, 漏语),
 * each folded to the word meant; the same length, so spans found in either text agree.
 */
const TYPOS: ReadonlyArray<readonly [RegExp, string]> = [
  [/[底抵]保|低宝/g, '低保'],
  [/[医衣]宝|衣保/g, '医保'],
  [/危[方防]/g, '危房'],
  [/[露]雨|漏[语鱼]/g, '漏雨'],
  [/[缀啜戳]学/g, '辍学'],
  [/自来谁/g, '自来水'],
  [/(吃|喝|饮)谁/g, '$1水'],
  [/扶平|付贫/g, '扶贫'],
  [/脱平/g, '脱贫'],
  [/报消/g, '报销'],
  [/报险/g, '保险'],
  [/建挡/g, '建档'],
  [/挡案/g, '档案'],
  [/残急/g, '残疾'],
  [/新农和/g, '新农合'],
  [/五包户/g, '五保户'],
  [/帮付/g, '帮扶'],
];

/** The report as the router reads it: normalised, with common typing slips folded. */
export function readingOf(text: string): string {
  let reading = normaliseText(text);
  for (const [slip, meant] of TYPOS) reading = reading.replace(slip, meant);
  return reading;
}
