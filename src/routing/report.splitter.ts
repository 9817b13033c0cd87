import { PERSON_PLACEHOLDER } from './text.util';

/**
 * A visit report often lists several problems ("一是饮水不安全；二是医保没交"). Each goes to its
 * own department, so the report is cut into one piece per problem; the router decides which cuts
 * between plain clauses are real (see router.routeReport), this file only finds where they may be.
 */

/** A piece of the report and how strongly the text itself separates it from the one before. */
export interface Piece {
  text: string;
  /**
   * 'list': a numbered point (一是, 2., ②), always its own problem; 'sentence': after 。；！？, a
   * line break or a connector (另外, 还有, 同时); 'clause': after a comma, split only on strong evidence.
   */
  boundary: 'first' | 'list' | 'sentence' | 'clause';
  /**
   * A clause set beside the one before as another matter rather than a detail of it: after 、
   * ("房子漏、没低保"), adding with 也 ("他今年医保也没续"), opening on another member of the
   * household ("孙子上初二说不想念了"), or cut from a long run of words at a new subject
   * ("…住着危险他家那个小子初中也不念了").
   */
  parallel?: boolean;
  /** A sentence that opens by saying it is another matter (另外, 再就是, 顺便说一下). */
  announced?: boolean;
}

export interface ReportPieces {
  /** What stands before a numbered list ("东岭村王某某家有三个问题："), shared by every point. */
  preamble: string;
  pieces: Piece[];
}

const CN_DIGITS = '一二三四五六七八九十';
const CIRCLED = '①②③④⑤⑥⑦⑧⑨⑩';
const PARENTHESISED = '⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽';

/**
 * Where a list marker like 一是, 一、 or 1. may stand: the start, after punctuation or white space.
 * A bracketed marker ((1), 1）, ①) brings its own edge and may follow a word ("王某某家（1）房屋漏雨").
 */
const BEFORE_MARKER = '(?<=^|[。；;，,：:！!？?\\s])';
const MARKER = new RegExp(
  `${BEFORE_MARKER}(?:([${CN_DIGITS}])是|([${CN_DIGITS}])[、.．]|第([${CN_DIGITS}])(?:[，,、:：]|\\s+(?=\\S))|(\\d{1,2})[.．、](?!\\d))` +
    `|[(（]([${CN_DIGITS}]|\\d{1,2})[)）]|(?<![\\d.．])(\\d{1,2})[)）]|([${CIRCLED}${PARENTHESISED}])`,
  'gu',
);

function markerValue(m: RegExpExecArray): number {
  const token = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? m[6] ?? m[7] ?? '';
  if (/^\d+$/.test(token)) return Number(token);
  const circled = CIRCLED.indexOf(token);
  if (circled >= 0) return circled + 1;
  const parenthesised = PARENTHESISED.indexOf(token);
  if (parenthesised >= 0) return parenthesised + 1;
  return CN_DIGITS.indexOf(token) + 1;
}

/** Numbered points 1, 2, 3… in order; a lone "一是" or a stray "3." is not a list. */
function listPoints(text: string): { preamble: string; points: string[] } | null {
  const marks: Array<{ at: number; end: number; value: number }> = [];
  for (let m = MARKER.exec(text); m; m = MARKER.exec(text)) {
    const value = markerValue(m);
    if (value === marks.length + 1) marks.push({ at: m.index, end: m.index + m[0].length, value });
  }
  MARKER.lastIndex = 0;
  if (marks.length < 2) return null;
  const points = marks.map((mark, i) => text.slice(mark.end, marks[i + 1]?.at ?? text.length));
  return { preamble: text.slice(0, marks[0]!.at), points };
}

const trimPunctuation = (s: string): string => s.replace(/^[\s。；;，,：:、！!？?]+|[\s。；;，,：:、！!？?]+$/gu, '');

/** Connectors that start another matter wherever they stand (see `SENTENCE_CUT`). */
const ANOTHER_MATTER = String.raw`另外(?![一二两三四五六七八九十几\d个户家人位名])|此外|还有就是|还有(?:一?[个户件家处笔条项位])|再就是|再有就是|顺便(?:说|提|讲|反映)(?:一下|下)?|顺带(?:说|提)(?:一下|下)?|另一个(?:问题|事)?是`;

/**
 * Sentence ends, and connectors that start another matter: 另外 (not "另外两个", the other two),
 * 此外… whatever stands before them; a bare 还有, 并且 or 同时 only after a comma or a space
 * ("系统里没删 还有他家屋顶漏雨"), as inside a clause it is "still" ("系统里还有他") or "at once"
 * ("于2022年同时申报").
 */
const SENTENCE_CUT = new RegExp(
  String.raw`[。；;！!？?\n]+|[，,]?(?=(?:${ANOTHER_MATTER}))|[，,\s]+(?=(?:还有|并且|而且|再一个|同时)\p{Script=Han})`,
  'u',
);
/** The connector a piece starts with says nothing of its problem, and reads oddly on its own. */
const LEADING_CONNECTOR = new RegExp(String.raw`^(?:${ANOTHER_MATTER}|再一个|同时还|同时|还有|并且|而且|然后)[，,：:\s]*`, 'u');
/** Connectors that say what follows is another matter, not only more of the same. */
const ANNOUNCED = new RegExp(String.raw`^(?:${ANOTHER_MATTER}|再一个)`, 'u');

/**
 * Where a long run of words with no punctuation (voice input) may turn to another matter: a new
 * subject (他家, 他那个, 她闺女) or 然后, 还有.
 */
const RUN_ON_CUT = /(?<=\p{Script=Han}{6})(?=(?:他家|她家|他那个|她那个|他自己|他孙|他儿|他闺女|他老伴|他娘|然后|还有)\p{Script=Han}{4})/u;
const RUN_ON = 24;
/** A clause that opens on another member of the household ("孙子上初二说不想念了", "家里还没纳入低保"). */
const MEMBER = /^(?:他家|她家|家里|老伴|儿子|儿媳|闺女|女儿|孙子|孙女|媳妇|他(?:老伴|儿子|闺女|孙子|孙女|媳妇|娘|爹)|她(?:老伴|儿子|闺女|孙子|孙女|婆婆|公公))/u;
/** 也 adding a matter ("医保也没交"), not 也就/也是/也好. */
const ALSO = /也(?!就|许|算|行|好|是|可以)|也是(?=[^，,。；;]{0,4}(?:错|假|漏|坏|没|不对|空))/u;

function clauses(text: string): Piece[] {
  const pieces: Piece[] = [];
  const sentences = text
    .split(SENTENCE_CUT)
    .map((s) => trimPunctuation(s))
    .map((s) => ({ sentence: trimPunctuation(s.replace(LEADING_CONNECTOR, '')), announced: ANNOUNCED.test(s) }))
    .filter(({ sentence }) => sentence !== '');
  for (const { sentence, announced } of sentences) {
    // 、 lists matters as well as things ("房屋漏雨、孩子辍学"); only evidence splits it (router).
    const parts = sentence.split(/([，,、]+)/u);
    for (let i = 0; i < parts.length; i += 2) {
      const runs = parts[i]!.length >= RUN_ON ? parts[i]!.split(RUN_ON_CUT) : [parts[i]!];
      runs.forEach((run, j) => {
        const words = trimPunctuation(j > 0 ? run.replace(LEADING_CONNECTOR, '') : run);
        if (words === '') return;
        const boundary = pieces.length === 0 ? 'first' : i === 0 && j === 0 ? 'sentence' : 'clause';
        const parallel = j > 0 || parts[i - 1]?.includes('、') === true || ALSO.test(words) || MEMBER.test(words);
        pieces.push({ text: words, boundary, parallel: boundary === 'clause' && parallel, announced: boundary === 'sentence' && announced });
      });
    }
  }
  return pieces;
}

/**
 * The report cut at every place where a new problem may start. A numbered list is taken as it
 * stands (its points are not cut further); otherwise at sentences and clauses.
 */
export function piecesOf(text: string): ReportPieces {
  const list = listPoints(text.trim());
  if (list) {
    const pieces = list.points.map(trimPunctuation).filter((p) => p !== '').map((p, i): Piece => ({ text: p, boundary: i === 0 ? 'first' : 'list' }));
    return { preamble: trimPunctuation(list.preamble), pieces };
  }
  return { preamble: '', pieces: clauses(text.trim()) };
}

/** The first anonymised household a text names (王某某), with 家 when the text says it. */
export function householdOf(text: string): string | null {
  const m = new RegExp(`${PERSON_PLACEHOLDER.source}家?`, 'u').exec(text);
  return m ? m[0] : null;
}

export function namesHousehold(text: string): boolean {
  return new RegExp(PERSON_PLACEHOLDER.source, 'u').test(text);
}
