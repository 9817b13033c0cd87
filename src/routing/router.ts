import { DISTRICT, findItem, getTask, isDistrictTask, isTaskNo, taskDepartments, type TaskNo } from '../../config/division-table';
import type { OrgConfig } from '../../config/org';
import { choiceFromCode, parseExplicit, type ExplicitChoice } from './explicit.parser';
import { createItemClassifier, featuresOf, NO_PROBLEM, taskOfClass } from './item.classifier';
import { ITEM_MODEL } from './item-model.data';
import { createLearnedMatcher } from './learned.matcher';
import { scoreLexicon, type LexiconHit } from './lexicon.scorer';
import { householdOf, namesHousehold, piecesOf, type Piece } from './report.splitter';
import { DEFAULT_ITEM, type LexiconTarget } from './routing.lexicon';
import { PERSON_PLACEHOLDER, readingOf, round2, type Span } from './text.util';
import { createVillageFinder, type VillageMatch } from './village.finder';

/**
 * From a cadre's words to the task, the key problem and the departments (lead first), with the
 * village, its 管区 and 包村干部. Explicit choices win, then what leaders corrected before, then the
 * lexicon; a close call or a report that says nothing comes back with `needsConfirmation` so the
 * intake asks instead of guessing.
 */

export interface RouteInput {
  text: string;
  /** The village as a form gives it; wins over villages named in the text. */
  village?: string | null;
  /** The form's task and item; they win over anything in the text. */
  task?: number | null;
  item?: string | null;
}

export interface RouteCandidate {
  task: TaskNo;
  item: string;
  /** Evidence points (lexicon weights, learned hints); for comparing candidates with each other. */
  score: number;
}

export interface RouteResult {
  task: TaskNo | null;
  item: string | null;
  /** Lead first. For tasks 1-2 the village's 管区, or ["管区"] when the village is not known. */
  departments: string[];
  village: string | null;
  district: string | null;
  /** The 包村干部's userid. */
  cadre: string | null;
  confidence: number;
  needsConfirmation: boolean;
  /** Human-readable, in Chinese: why this route (shown e.g. by `查询 N`). */
  reasons: string[];
  /** Best first, the chosen route included, so the intake can offer them as choices. */
  alternatives: RouteCandidate[];
  source: 'explicit' | 'learned' | 'lexicon' | 'none';
}

/** A leader's re-route or an upheld 退回: the report's text and where it should have gone. */
export interface LearnedCorrection {
  text: string;
  task: TaskNo;
  item: string;
  findingNo?: number;
  by?: string;
  at?: Date;
}

/** One problem of a report: its words (with the village and household it shares) and its route. */
export interface RoutedPart {
  text: string;
  route: RouteResult;
}

export interface Router {
  route(input: RouteInput, learned?: LearnedCorrection[]): RouteResult;
  /**
   * A report that holds several problems as one part per problem, each routed on its own words;
   * a report about one problem (or with the form's task or item given) as a single part, routed
   * exactly as `route` routes it.
   */
  routeReport(input: RouteInput, learned?: LearnedCorrection[]): RoutedPart[];
  /** What the item model reads of a report (for training it: src/routing/training/train-routing.ts). */
  features(text: string): Map<string, number>;
  departmentsFor(task: TaskNo, item: string | null, village: string | null): string[];
  findVillage(text: string): VillageMatch | null;
}

/** Below this much lexicon evidence nothing is said to match... */
const MIN_EVIDENCE = 1;
/**
 * ...unless the model is this sure of the unit from the wording alone, or at least as sure as
 * the model's `offerWithoutWords` when its guess is offered and confirmed first.
 */
export const GUESS_WITHOUT_WORDS = 0.8;
/** Below this the best guess is offered but confirmed first. */
const FIRM_EVIDENCE = 2;
/** The runner-up at 70% of the best or more is too close to call. */
const CLOSE_RATIO = 0.7;
/** A correction this similar decides the route outright... */
const ADOPT_SIMILARITY = 0.5;
/** ...one this similar only adds weight to the corrected item. */
const HINT_SIMILARITY = 0.3;
const HINT_WEIGHT = 6;
const MAX_ALTERNATIVES = 4;
/** A task or problem at least this probable is offered as a choice when the bot asks. */
const LIKELY = 0.1;
/**
 * Evidence that makes a piece firm when the model is less than `SPLIT_CONFIDENCE` sure of it:
 * clauses usually add detail ("儿子开厂子，还吃着低保" is one 低保 problem).
 */
const CLAUSE_EVIDENCE = 4;
/** How sure of its unit the model must be of a piece, and of the part before, to cut between them... */
const SPLIT_CONFIDENCE = 0.95;
/** ...or, when the lexicon names the problem plainly as well, how sure at least. */
const SPLIT_WITH_WORDS = 0.9;
/** ...or, after a sentence that says it is another matter (另外, 再就是), how sure of each side. */
const SPLIT_ANNOUNCED = 0.8;

/** Words that say something is wrong or missing, rather than describe a household (危改户 does not). */
const FAULT = /没|未|不|无|难|只|(?<![刚方])才|漏|坏|塌|裂|危(?!房?改|房户)|停|断|欠|拖|缺|假|错|乱|挪|骗|套|辍|还在|仍|依然|一直|浑|歪|闪|渗|发[黄红黑]|臭|[异怪]味|有味|干了|[太还]?[少低](?=[，,；;。\s]|了|$)|押金|超标|锈|荒|闲置|霉|酥|鼓包|冒领|代领|虚报|多报|贪|回扣|截留|克扣|侵占|私分|照样|又回|还得|实际|还(?:吃着|领着|拿着|享受着?|算|写着|挂着)/u;
/**
 * A piece that opens with a contrast (就是, 可, 但, 问题是) names the problem after what was fine:
 * "孩子上学补助有，医保交着；就是房子漏雨" is one problem.
 */
const CONTRAST = /^(?:就是|可是?|但是?|不过|只是|(?:要说)?问题(?:是|在|出在)?|毛病(?:是|在|出在)|主要是|而是|然而|偏偏)/u;
/** Clauses that say a matter is in order: 补助都有, 医保交着, 房子结实, 吃水方便. */
const IN_ORDER = /(?:有|交了|交着|领着|拿着|办着|报着|享受着|结实|牢固|安全|方便|干净|正常|挺好|不错|按时|按月)(?:的|了|呢)?(?=[，,；;。、\s]|$)/u;
/** What someone said ("说是排上改造了", "村里说项目还没定", "问会计说…"): the reason or the answer. */
const REPORTED = /^(?:问\p{Script=Han}{0,6}?)?(?:村里|镇上|村干部|他们?|她|会计|支书|老人|人家|群众)?(?:都)?说/u;
/** Words taking back what was said before them: the matter is what follows ("刚才说是吃水，说错了，是…"). */
const RETRACTED = /刚才(?:说|报|发)|说错了|(?:我|俺)(?:报|写)错了|不对[，,；;]/u;
/** Those words where they say all is well: 不漏, 不愁, 没毛病, 无异常. */
const FAULT_DENIED = /[不没无](?:漏|缺|愁|差|错|耽误|断|欠|拖|冤)|一分不少|不少(?=[，,；;。\s]|$)|没(?:有|啥|什么)?(?:毛病|问题|事)|无(?:问题|异常)|不是|说错了/gu;
const MAX_KEYWORD_REASONS = 6;

const TASK_LABELS: Record<TaskNo, string> = {
  1: '识别精准',
  2: '退出规范',
  3: '产业项目',
  4: '扶贫资金',
  5: '帮扶措施',
  6: '低保兜底',
  7: '医保扶贫',
  8: '住房安全',
};
const SUB_AREA_LABELS: Record<string, string> = { '5.1': '包保帮扶', '5.2': '安全饮水', '5.3': '教育保障' };

function taskOf(target: LexiconTarget): TaskNo {
  const no = typeof target === 'number' ? target : Number(target.split('.')[0]);
  if (!isTaskNo(no)) throw new Error(`lexicon target ${String(target)} is not in the division table`);
  return no;
}

/** "8.1 住房安全", "5.2 安全饮水", "第7项 医保扶贫". */
export function describeTarget(target: LexiconTarget): string {
  if (typeof target === 'number') return `第${target}项 ${TASK_LABELS[taskOf(target)]}`;
  const sub = SUB_AREA_LABELS[target.split('.').slice(0, 2).join('.')];
  return `${target} ${sub ?? TASK_LABELS[taskOf(target)]}`;
}

/** Table order, so ties go to the item the table lists first. */
function itemOrder(code: string): number[] {
  return code.split('.').map(Number);
}
function compareCodes(a: string, b: string): number {
  const x = itemOrder(a);
  const y = itemOrder(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

interface Evidence {
  tasks: Map<TaskNo, number>;
  items: Map<string, number>;
  hits: Array<LexiconHit & { counted: LexiconTarget }>;
}

function add<K>(map: Map<K, number>, key: K, weight: number): void {
  map.set(key, (map.get(key) ?? 0) + weight);
}

/** Adds up the hits; a household's means count for 低保 when 低保 is what the report is about. */
function tally(hits: LexiconHit[]): Evidence {
  const welfare = hits.filter((h) => taskOf(h.target) === 6 && !h.circumstance && !h.negated).reduce((s, h) => s + h.weight, 0);
  const evidence: Evidence = { tasks: new Map(), items: new Map(), hits: [] };
  for (const hit of hits) {
    const counted: LexiconTarget = hit.circumstance && welfare >= FIRM_EVIDENCE ? '6.1' : hit.target;
    evidence.hits.push({ ...hit, counted });
    add(evidence.tasks, taskOf(counted), hit.weight);
    if (typeof counted === 'string') add(evidence.items, counted, hit.weight);
  }
  return evidence;
}

function bestItem(evidence: Evidence, task: TaskNo): string {
  const prefix = `${task}.`;
  const items = [...evidence.items.entries()].filter(([code, score]) => code.startsWith(prefix) && score > 0);
  items.sort((a, b) => b[1] - a[1] || compareCodes(a[0], b[0]));
  return items[0]?.[0] ?? DEFAULT_ITEM[task];
}

function rankedTasks(evidence: Evidence): Array<[TaskNo, number]> {
  return [...evidence.tasks.entries()].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
}

function candidates(evidence: Evidence): RouteCandidate[] {
  const list: RouteCandidate[] = rankedTasks(evidence).map(([task, score]) => ({ task, item: bestItem(evidence, task), score: round2(score) }));
  const top = list[0];
  if (top) {
    // Within the chosen task, other problems that go to other departments are real alternatives.
    const leads = (code: string) => findItem(code)?.subArea.departments.join('、');
    for (const [code, score] of evidence.items) {
      if (code.startsWith(`${top.task}.`) && code !== top.item && score > 0 && leads(code) !== leads(top.item)) {
        list.push({ task: top.task, item: code, score: round2(score) });
      }
    }
  }
  return list.sort((a, b) => b.score - a.score);
}

function keywordReasons(evidence: Evidence, task: TaskNo | null): string[] {
  const shown = [...evidence.hits].sort(
    (a, b) => Number(taskOf(b.counted) === task) - Number(taskOf(a.counted) === task) || b.weight - a.weight,
  );
  const reasons: string[] = [];
  for (const hit of shown.slice(0, MAX_KEYWORD_REASONS)) {
    if (hit.negated) reasons.push(`“${hit.term}”为否定或已解决的说法，几乎不计`);
    else if (hit.counted !== hit.target) reasons.push(`“${hit.term}”是家庭条件，按低保资格问题计→${describeTarget(hit.counted)}`);
    else reasons.push(`关键词“${hit.term}”→${describeTarget(hit.counted)}`);
  }
  return reasons;
}

/** Another unit (task and departments) the lexicon hears about nearly as plainly as the top one. */
function plainRival(evidence: Evidence, chosen: string): LexiconTarget | null {
  const unitOf = (target: LexiconTarget) => {
    const code = typeof target === 'number' ? DEFAULT_ITEM[target] : target;
    return `${taskOf(code)}|${findItem(code)?.subArea.departments.join('、') ?? ''}`;
  };
  const units = new Map<string, { weight: number; target: LexiconTarget }>();
  for (const hit of evidence.hits) {
    const key = unitOf(hit.counted);
    const u = units.get(key) ?? { weight: 0, target: hit.counted };
    u.weight += hit.weight;
    units.set(key, u);
  }
  const ranked = [...units.entries()].sort((a, b) => b[1].weight - a[1].weight);
  const [first, second] = ranked;
  if (!first || !second || second[1].weight < FIRM_EVIDENCE || second[1].weight < CLOSE_RATIO * first[1].weight) return null;
  return first[0] === unitOf(chosen) ? second[1].target : first[1].target;
}

function uniqueByItem(list: RouteCandidate[]): RouteCandidate[] {
  const seen = new Set<string>();
  return list.filter((c) => (seen.has(c.item) ? false : (seen.add(c.item), true))).slice(0, MAX_ALTERNATIVES);
}

/** A clause ending in a verdict that all is well ("不正常", "不太方便", "漏交了" are problems, not verdicts). */
const VERDICT_CLAUSE =
  /[^，。；,;！!？?]*?(?:(?<![不没未](?:太|大|怎么|是很|很)?)(?:正常|达标|合格|挺好的?|都好|还好|好好的|方便)|没(?:有|啥|什么)?(?:问题|事|毛病)|已解决|解决了|已整改|修好了|已修好|也?修了|(?<![没未不漏忘欠断停])(?:交|缴|办|批)了|也?交上了|也?办上了|(?<![没未不])通了|不缺)(?=[，。；,;！!？?]|$)/gu;

const classifier = createItemClassifier(ITEM_MODEL);
/**
 * Each model class's task (0 for `NO_PROBLEM`), and its unit: the task with the departments its
 * sub-area goes to. What the model gives `NO_PROBLEM` belongs to no unit, so a message that names
 * no problem has no unit it is sure of, and the bot asks what the matter is.
 */
const MODEL_TASKS = classifier.items.map((code) => taskOfClass(code) as TaskNo | 0);
const NO_PROBLEM_AT = classifier.items.indexOf(NO_PROBLEM);
const MODEL_UNITS = (() => {
  const keys = classifier.items.map((code) => (code === NO_PROBLEM ? NO_PROBLEM : `${taskOf(code)}|${findItem(code)?.subArea.departments.join('、') ?? ''}`));
  const distinct = [...new Set(keys)];
  return { of: keys.map((k) => distinct.indexOf(k)), count: distinct.length };
})();

export function createRouter(org: OrgConfig): Router {
  const villages = createVillageFinder(org);
  // Reasons are read by people (查询, the finding page): the 包村干部 by name, not userid.
  const names = new Map([...org.people, ...org.leaders].map((p) => [p.userid, p.name]));

  /**
   * Spans that are not the report's own words about the problem: villages, the town, `#8`, and
   * clauses that end by saying their matter is fine ("自来水水质正常，就是房顶漏雨").
   */
  const maskedSpans = (normalised: string, explicit: ExplicitChoice | null): Span[] => [
    ...villages.spans(normalised),
    ...(explicit?.span ? [explicit.span] : []),
    ...[...normalised.matchAll(VERDICT_CLAUSE)].map((m) => ({ start: m.index, end: m.index + m[0].length })),
  ];

  /** The reading without its masked spans, names (王某某), digits and punctuation. */
  const keyOf = (normalised: string, masked: readonly Span[]): string => {
    let kept = '';
    let from = 0;
    for (const span of [...masked].sort((a, b) => a.start - b.start)) {
      if (span.start > from) kept += normalised.slice(from, span.start);
      from = Math.max(from, span.end);
    }
    kept += normalised.slice(from);
    return kept.replace(PERSON_PLACEHOLDER, '').replace(/[^\p{Script=Han}a-z]/gu, '');
  };
  const similarityKey = (text: string): string => {
    const normalised = readingOf(text);
    return keyOf(normalised, maskedSpans(normalised, parseExplicit(normalised)));
  };
  const learnedMatcher = createLearnedMatcher<LearnedCorrection>(similarityKey);

  function departmentsFor(task: TaskNo, item: string | null, village: string | null): string[] {
    if (isDistrictTask(task)) return [(village ? villages.resolve(village)?.district : undefined) ?? DISTRICT];
    const ref = item ? findItem(item) : undefined;
    if (ref && ref.task.no === task) return [...ref.subArea.departments];
    const t = getTask(task);
    return t ? taskDepartments(t) : [];
  }

  function explicitFromInput(input: RouteInput): { choice: ExplicitChoice | null; note: string | null } {
    const item = input.item?.trim() || null;
    const task = input.task ?? null;
    if (item) {
      const choice = choiceFromCode(item);
      if (choice?.item && (task === null || choice.task === task)) {
        return { choice: { ...choice, span: null, reason: `表单指定：问题 ${choice.item}` }, note: null };
      }
      if (task === null || !isTaskNo(task)) return { choice: null, note: `表单中的问题编号“${item}”不在分工表中，已忽略` };
      return {
        choice: { task, item: null, span: null, reason: `表单指定：第${task}项` },
        note: `表单中的问题编号“${item}”不属于第${task}项，已忽略`,
      };
    }
    if (task !== null && isTaskNo(task)) return { choice: { task, item: null, span: null, reason: `表单指定：第${task}项` }, note: null };
    if (task !== null) return { choice: null, note: `表单中的任务“${task}”不在 1-8 之间，已忽略` };
    return { choice: null, note: null };
  }

  function placeOf(input: RouteInput, text: string): { place: VillageMatch | null; village: string | null; reason: string | null } {
    const given = input.village?.trim();
    if (given) {
      const place = villages.resolve(given);
      if (place) return { place, village: place.village, reason: villageReason(place) };
      return { place: null, village: given, reason: `村庄“${given}”不在组织文件中，管区和包村干部未知` };
    }
    const place = villages.find(text);
    return { place, village: place?.village ?? null, reason: place ? villageReason(place) : null };
  }

  function villageReason(place: VillageMatch): string {
    return `村庄：${place.village}（${place.district}${place.cadre ? `，包村干部 ${names.get(place.cadre) ?? place.cadre}` : ''}）`;
  }

  function route(input: RouteInput, learned: LearnedCorrection[] = []): RouteResult {
    const normalised = readingOf(input.text ?? '');
    const fromInput = explicitFromInput(input);
    const explicit = fromInput.choice ?? parseExplicit(normalised);
    const masked = maskedSpans(normalised, explicit);
    const evidence = tally(scoreLexicon(normalised, masked));
    const { place, village, reason: placeReason } = placeOf(input, input.text ?? '');
    const notes = fromInput.note ? [fromInput.note] : [];

    const finish = (
      task: TaskNo | null,
      item: string | null,
      rest: Pick<RouteResult, 'confidence' | 'needsConfirmation' | 'alternatives' | 'source'>,
      reasons: string[],
    ): RouteResult => {
      const departments = task === null ? [] : departmentsFor(task, item, village);
      const decision =
        task === null
          ? []
          : [
              `判定：${item ? describeTarget(item) : describeTarget(task)}，责任部门：${departments.join('、')}` +
                (isDistrictTask(task) ? (place ? '（第1、2项由村所在管区牵头）' : '（第1、2项由管区牵头，村庄未知）') : ''),
            ];
      return {
        task,
        item,
        departments,
        village,
        district: place?.district ?? null,
        cadre: place?.cadre ?? null,
        ...rest,
        reasons: [...decision, ...notes, ...reasons, ...(placeReason ? [placeReason] : [])],
      };
    };

    if (explicit) {
      const item = explicit.item ?? bestItem(evidence, explicit.task);
      const itemNote = explicit.item ? [] : [`具体问题按关键词取 ${item}`];
      const alternatives = uniqueByItem([{ task: explicit.task, item, score: round2(evidence.tasks.get(explicit.task) ?? 0) }, ...candidates(evidence)]);
      return finish(explicit.task, item, { confidence: 1, needsConfirmation: false, alternatives, source: 'explicit' }, [explicit.reason, ...itemNote]);
    }

    const key = keyOf(normalised, masked);
    const match = learnedMatcher.best(key, learned);
    const lookedUp = match ? `#${match.correction.findingNo ?? '?'} 改派至 ${match.correction.item}（相似度 ${round2(match.similarity)}）` : '';
    if (match && match.similarity >= ADOPT_SIMILARITY) {
      const { task } = match.correction;
      // Stored corrections are checked on the way in, but one may predate a change of the table.
      const item = findItem(match.correction.item)?.task.no === task ? match.correction.item : bestItem(evidence, task);
      const alternatives = uniqueByItem([{ task, item, score: round2(match.similarity * HINT_WEIGHT) }, ...candidates(evidence)]);
      const lexiconTop = alternatives.find((c) => c.item !== item);
      const disagreed = lexiconTop && rankedTasks(evidence)[0]?.[0] !== task ? [`词典原判为 ${describeTarget(lexiconTop.item)}，按纠正改派`] : [];
      return finish(
        task,
        item,
        { confidence: round2(Math.min(0.95, 0.5 + match.similarity / 2)), needsConfirmation: false, alternatives, source: 'learned' },
        [`参照此前纠正：${lookedUp}`, ...disagreed, ...keywordReasons(evidence, task).slice(0, 3)],
      );
    }
    const hints: string[] = [];
    if (match && match.similarity >= HINT_SIMILARITY) {
      const weight = HINT_WEIGHT * match.similarity;
      add(evidence.tasks, match.correction.task, weight);
      add(evidence.items, match.correction.item, weight);
      hints.push(`参照此前纠正：${lookedUp}，加权 ${round2(weight)}`);
    }

    const probabilities = classifier.read(key, evidence);
    const decision = decide(probabilities);
    const lexiconTop = rankedTasks(evidence)[0]?.[1] ?? 0;
    // Policy words in a message the model reads as naming no problem ("两不愁三保障都看了，情况都好")
    // do not make it a report.
    const saysNothing = decision !== null && decision.noProblem > decision.confidence;
    if (!decision || saysNothing || (lexiconTop < MIN_EVIDENCE && decision.confidence < classifier.offerWithoutWords)) {
      const said = normalised === '' ? '内容为空' : '未识别出具体问题';
      return finish(
        null,
        null,
        { confidence: 0, needsConfirmation: true, alternatives: uniqueByItem(candidates(evidence)), source: 'none' },
        [`${said}，请补充说明（什么人、什么事）或选择类别`, ...keywordReasons(evidence, null)],
      );
    }

    const { task, item, confidence, rival, alternatives } = decision;
    const checks: string[] = [];
    if (lexiconTop < MIN_EVIDENCE && confidence < GUESS_WITHOUT_WORDS) checks.push('未见明确的政策说法，按相近的说法归类，请确认');
    else if (confidence < classifier.confirmBelow) checks.push('依据不足，请确认');
    if (rival && rival.p >= CLOSE_RATIO * confidence) checks.push(`与${describeTarget(rival.item)}接近，请确认`);
    // Two units both named plainly ("漏雨" and "辍学", or 吃水 and 上学 within task 5): whatever
    // the model prefers, ask.
    const other = plainRival(evidence, item);
    if (other && !checks.length) checks.push(`与${describeTarget(other)}接近，请确认`);
    const otherItem = other === null ? null : typeof other === 'number' ? DEFAULT_ITEM[other] : other;
    const offered = otherItem ? uniqueByItem([alternatives[0]!, { task: taskOf(otherItem), item: otherItem, score: 0 }, ...alternatives.slice(1)]) : alternatives;
    return finish(
      task,
      item,
      { confidence: round2(confidence), needsConfirmation: checks.length > 0, alternatives: offered, source: 'lexicon' },
      [...checks, ...hints, ...keywordReasons(evidence, task)],
    );
  }

  /**
   * The model's probabilities as a route: the likeliest task, its likeliest item, and how likely
   * the unit it goes to is (items of a task that go to the same departments count together, as
   * the route is right whichever of them it is). The rival is the likeliest other unit.
   */
  function decide(p: Float64Array) {
    const taskP = new Float64Array(9);
    const unitP = new Float64Array(MODEL_UNITS.count);
    for (let i = 0; i < p.length; i++) {
      taskP[MODEL_TASKS[i]!]! += p[i]!;
      unitP[MODEL_UNITS.of[i]!]! += p[i]!;
    }
    let task: TaskNo | null = null;
    for (let t = 1; t <= 8; t++) if (isTaskNo(t) && (task === null || taskP[t]! > taskP[task]!)) task = t;
    if (task === null || classifier.items.length === 0) return null;
    const order = classifier.items
      .map((_, i) => i)
      .filter((i) => MODEL_TASKS[i] !== 0)
      .sort((a, b) => p[b]! - p[a]! || a - b);
    const chosen = order.find((i) => MODEL_TASKS[i] === task)!;
    const unit = MODEL_UNITS.of[chosen]!;
    const rivalAt = order.find((i) => MODEL_UNITS.of[i] !== unit);
    const rival = rivalAt === undefined ? null : { item: classifier.items[rivalAt]!, p: unitP[MODEL_UNITS.of[rivalAt]!]! };
    // The choices offered: each likely task by its likeliest item, and within the chosen task its
    // likely problems that go to other departments (5.2 beside 5.3), best first.
    const candidate = (i: number): RouteCandidate => ({ task: MODEL_TASKS[i] as TaskNo, item: classifier.items[i]!, score: round2(p[i]!) });
    const offered = order.filter(
      (i) =>
        i === chosen ||
        (MODEL_TASKS[i] !== task && taskP[MODEL_TASKS[i]!]! >= LIKELY && order.find((j) => MODEL_TASKS[j] === MODEL_TASKS[i]) === i) ||
        (MODEL_TASKS[i] === task && MODEL_UNITS.of[i] !== unit && p[i]! >= LIKELY),
    );
    const alternatives = uniqueByItem([chosen, ...offered].map(candidate));
    const noProblem = NO_PROBLEM_AT < 0 ? 0 : p[NO_PROBLEM_AT]!;
    return { task, item: classifier.items[chosen]!, confidence: unitP[unit]!, noProblem, rival, alternatives };
  }

  /**
   * How plainly a text names a problem of its route's task: a household's means (开厂子) or a
   * negated word do not count, they only colour a problem named elsewhere.
   */
  function problemWeight(text: string, r: RouteResult): number {
    const normalised = readingOf(text);
    return scoreLexicon(normalised, maskedSpans(normalised, null))
      .filter((h) => !h.circumstance && !h.negated && taskOf(h.target) === r.task)
      .reduce((sum, h) => sum + h.weight, 0);
  }

  /** Whether words say something is wrong, once the clauses and phrases saying all is well are out. */
  const saysWrong = (words: string): boolean => {
    const normalised = readingOf(words);
    return FAULT.test(keyOf(normalised, [...normalised.matchAll(VERDICT_CLAUSE)].map((m) => ({ start: m.index, end: m.index + m[0].length }))).replace(FAULT_DENIED, ''));
  };

  /** Words that only tell what is in order, as the context before the problem ("补助有，医保交着"). */
  const onlyInOrder = (words: string): boolean =>
    RETRACTED.test(words) || (!saysWrong(words) && (IN_ORDER.test(words) || words.search(VERDICT_CLAUSE) >= 0 || words.search(FAULT_DENIED) >= 0));

  const sameUnit = (a: RouteResult, b: RouteResult): boolean => a.task === b.task && a.departments.join('、') === b.departments.join('、');

  /**
   * A piece that routes firmly (the model sure of its unit) to another unit than the part before
   * it, and than each piece in that part, starts a new problem. A plain clause after a comma must
   * also say something is wrong (没…, 未…, 危房, 发黄, 冒领, 照样), and so must the part before:
   * "已有稳定务工收入，仍在享受低保" describes a household, then names one problem. A clause the
   * splitter sets beside the one before (`Piece.parallel`: after 、, with 也, on another member
   * of the household) must still say something is wrong, but the part before need not. A
   * sentence is judged whole.
   */
  function startsAnother(piece: Piece, alone: RouteResult, before: Array<{ text: string; route: RouteResult }>): boolean {
    if (piece.boundary === 'list') return true;
    if (CONTRAST.test(piece.text)) return false;
    const firm = ({ text: words, route: r }: { text: string; route: RouteResult }, plain: boolean) => {
      if (r.task === null || r.source !== 'lexicon') return false;
      if (piece.announced) return r.confidence >= SPLIT_ANNOUNCED;
      if (r.confidence < SPLIT_WITH_WORDS) return false;
      const named = problemWeight(words, r) >= CLAUSE_EVIDENCE;
      return plain ? (r.confidence >= SPLIT_CONFIDENCE || named) && saysWrong(words) : r.confidence >= SPLIT_CONFIDENCE || named;
    };
    const plain = piece.boundary === 'clause';
    // A clause after a comma that nothing sets beside the one before.
    const bare = plain && !piece.parallel;
    const [whole, ...pieces] = before;
    // A plain clause telling what someone said, or following a contrast ("…都不缺，可他家闺女没赶上
    // 缴费，今年医保断了"), goes on with the matter before it.
    if (bare && (REPORTED.test(piece.text) || pieces.some((p) => CONTRAST.test(p.text)))) return false;
    return (
      firm({ text: piece.text, route: alone }, bare) &&
      (!plain || saysWrong(piece.text)) &&
      !(whole && onlyInOrder(whole.text)) &&
      before.some((b) => firm(b, bare)) &&
      before.every((b) => !sameUnit(b.route, alone))
    );
  }

  /** The sentence that starts with piece `at`: it and the clauses after it, up to the next sentence. */
  const sentenceFrom = (pieces: Piece[], at: number): string => {
    let end = at + 1;
    while (end < pieces.length && pieces[end]!.boundary === 'clause') end++;
    return pieces
      .slice(at, end)
      .map((p) => p.text)
      .join('，');
  };

  function routeReport(input: RouteInput, learned: LearnedCorrection[] = []): RoutedPart[] {
    const text = (input.text ?? '').trim();
    const single = (): RoutedPart[] => [{ text, route: route(input, learned) }];
    // The form's chosen category is about the whole report.
    if (input.task != null || input.item) return single();
    const { preamble, pieces } = piecesOf(text);
    if (pieces.length < 2) return single();
    const listed = pieces.some((p) => p.boundary === 'list');

    // Consecutive pieces grouped into problems, judged on the lexicon alone (corrections are
    // about whole reports, and a part is routed with them below). Pieces are read in the
    // report's village, so that tasks 1-2 compare by the same 管区.
    const place = input.village?.trim() ? null : villages.find(text);
    const village = input.village ?? place?.village ?? null;
    const groups: Array<Array<{ text: string; route: RouteResult }>> = [];
    for (const [at, piece] of pieces.entries()) {
      const alone = { text: piece.text, route: route({ text: piece.text, village }) };
      const last = groups.at(-1);
      if (!last) {
        groups.push([alone]);
        continue;
      }
      const words = last.map((p) => p.text).join('，');
      const whole = { text: words, route: route({ text: words, village }) };
      // A sentence is judged whole: its first clause may only tell who ("老龚高血压脑梗后遗症，
      // 慢病门诊报销的比例太低").
      const sentence = piece.boundary === 'sentence' ? sentenceFrom(pieces, at) : piece.text;
      const judged = sentence === piece.text ? alone.route : route({ text: sentence, village });
      if (startsAnother({ ...piece, text: sentence }, judged, [whole, ...last])) groups.push([alone]);
      else last.push(alone);
    }
    if (groups.length < 2) return single();

    // Each part names its village and household, as whoever reads it sees that part alone.
    const household = householdOf(preamble) ?? householdOf(groups[0]!.map((p) => p.text).join('，'));
    const partOf = (group: Array<{ text: string }>): RoutedPart => {
      const words = group.map((p) => p.text).join('，');
      const named = place && !villages.find(words) ? place.village : '';
      const person = household && !namesHousehold(words) ? household : '';
      const partText = named || person ? `${named}${person}：${words}` : words;
      const part = { text: partText, route: route({ text: partText, village: input.village ?? null }, learned) };
      // A point that says nothing alone ("1、没经过村两委研究") is read under its list's heading
      // ("李家洼村扶贫资金支出：").
      if (part.route.task !== null || !listed || preamble === '') return part;
      const headed = `${preamble}：${words}`;
      const underHeading = route({ text: headed, village: input.village ?? null }, learned);
      return underHeading.task === null ? part : { text: headed, route: underHeading };
    };
    // Routed with the village and household, two neighbouring parts may turn out to be one
    // matter: they go back together (and a report left in one part is routed whole). Points of
    // a list stay apart unless they are one key problem ("户档问题：①申请书代签 ②评议记录涂改").
    const parts: RoutedPart[] = [];
    const merged: Array<Array<{ text: string }>> = [];
    for (const group of groups) {
      const part = partOf(group);
      const last = parts.at(-1);
      if (last && (listed ? last.route.item !== null && last.route.item === part.route.item : sameUnit(last.route, part.route))) {
        merged.at(-1)!.push(...group);
        parts[parts.length - 1] = partOf(merged.at(-1)!);
      } else {
        parts.push(part);
        merged.push([...group]);
      }
    }
    return parts.length < 2 ? single() : parts;
  }

  function features(text: string): Map<string, number> {
    const normalised = readingOf(text);
    const evidence = tally(scoreLexicon(normalised, maskedSpans(normalised, parseExplicit(normalised))));
    return featuresOf(similarityKey(text), evidence);
  }

  return { route, routeReport, features, departmentsFor, findVillage: villages.find };
}
