/**
 * 姚村镇脱贫攻坚巩固提升“回头看”工作任务分工表 (附件2), as typed data.
 *
 * Item codes: `task.subArea.problem`, where a level with a single entry is left out. So task 6's
 * problems are 6.1 and 6.2, task 4's are 4.1.1 … 4.3.3, and task 5's water problem, alone in its
 * sub-area, is 5.2.
 */

/** The nine departments of the table. */
export const DEPARTMENTS = [
  '扶贫办',
  '财政所',
  '经管站',
  '农业服务站',
  '镇中心中学',
  '民政办',
  '人社所',
  '卫生院',
  '镇建办',
] as const;
export type DepartmentName = (typeof DEPARTMENTS)[number];

/** Tasks 1 and 2 are not a department's: the village's 管区 leads and its 包村干部 does the work. */
export const DISTRICT_RESPONSIBILITY = '管区牵头，各包村干部具体实施';
export const DISTRICT = '管区';

export type TaskNo = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export interface KeyProblem {
  /** e.g. "5.2" or "4.1.3" */
  code: string;
  /** The problem as the table words it (its number in the table dropped). */
  text: string;
}

export interface SubArea {
  /** The sub-area heading, or null where the task has none. */
  title: string | null;
  /** Lead first. Empty for tasks 1-2, which go to the village's 管区. */
  departments: DepartmentName[];
  problems: KeyProblem[];
}

export interface InspectionTask {
  no: TaskNo;
  title: string;
  /** Set for tasks 1-2. */
  responsibility?: typeof DISTRICT_RESPONSIBILITY;
  subAreas: SubArea[];
}

interface SubAreaSource {
  title: string | null;
  departments: DepartmentName[];
  problems: string[];
}

function task(no: TaskNo, title: string, subAreas: SubAreaSource[], responsibility?: typeof DISTRICT_RESPONSIBILITY): InspectionTask {
  const several = subAreas.length > 1;
  return {
    no,
    title,
    ...(responsibility ? { responsibility } : {}),
    subAreas: subAreas.map((area, a) => ({
      title: area.title,
      departments: area.departments,
      problems: area.problems.map((text, p) => {
        const parts = [String(no)];
        if (several) parts.push(String(a + 1));
        if (area.problems.length > 1 || !several) parts.push(String(p + 1));
        return { code: parts.join('.'), text };
      }),
    })),
  };
}

const FUNDS: DepartmentName[] = ['扶贫办', '财政所', '经管站'];

export const DIVISION_TABLE: readonly InspectionTask[] = [
  task(
    1,
    '看建档立卡贫困户识别是否精准',
    [
      {
        title: null,
        departments: [],
        problems: [
          '是否有不符合贫困标准条件的农户纳入建档立卡贫困户，存在群众意见较大等情况；',
          '贫困人口动态管理存在不准确等问题，例如因婚嫁、就学、死亡等户籍变动，或因无户籍，造成部分人口应纳未纳、应出未出等情况；',
          '国家库系统数据、贫困户档案信息与贫困户实际情况不一致；',
          '各级审计监督、 督查考核、暗访评估、专项巡察等发现的贫困户识别不精准问题等。',
        ],
      },
    ],
    DISTRICT_RESPONSIBILITY,
  ),
  task(
    2,
    '看贫困户退出是否真实规范',
    [
      {
        title: '贫困人口识别退出是否真实规范',
        departments: [],
        problems: [
          '脱贫户家庭年人均纯收入未达到稳定脱贫标准，未实现“两不愁三保障”；',
          '贫困户退出工作中，入户调查、民主评议、公示公告、检查验收、评估确认等程序履行不到位。例如动态调整宣传动员不到位，导致群众不了解、不知情，信息采集没有入户核实，民主评议走过场、流于形式等；',
          '档案管理粗放，没有分类整理，存放无序；基础资料不齐全、不完整，不能真实全面反映纳入退出的全过程。建档立卡资料不真实、不完善，贫困户申请书、民主评议记录、贫困户档案、收支账簿等资料存在要素不全、内容不详、代签、涂改、字迹雷同等问题。贫困户家中无脱贫相关资料或相关资料不全, 相关记录更新不及时。',
        ],
      },
    ],
    DISTRICT_RESPONSIBILITY,
  ),
  task(3, '看产业扶贫项目实施情况', [
    {
      title: null,
      departments: ['扶贫办'],
      problems: [
        '实施项目为项目库非入库项目，项目库建设流于形式，作用发挥不足；',
        '项目论证审批质量不高甚至流于形式，立项不科学，后续难以推进；',
        '项目实施程序不规范，尤其是不符合当地政府采购或公开招投标规定；',
        '验收内容不全面，程序不严格，验收质量差，尤其是工程建设类项目未对工程量进行验收，未进行竣工决算审计；',
        '项目及收益分配资金往来账务记录不规范，记账不及时，存在个人支付现象；',
        '未按照当时规定进行公示公告，群众知晓率不高。',
        '项目效益发挥不明显，风险防控不够，项目资产流失过快直至项目失败；',
        '项目扶持对象不精准，项目收益长期滞留；',
        '后续管护机制不健全，项目确权迟缓，所有权、经营权、收益权、监督权不明确；',
        '《关于做好扶贫项目及资产管理突出问题整改工作的通知》（2018年7月26日印发）列举的问题。',
      ],
    },
  ]),
  task(4, '看财政专项扶贫资金管理使用情况', [
    {
      title: '资金投向是否精准',
      departments: FUNDS,
      problems: [
        '资金分配上没有综合考虑贫困状况、政策任务和脱贫成效等因素采用因素法分配扶贫资金；',
        '扶贫资金使用范围不符合国家和省市级扶贫开发政策要求，脱离当地扶贫开发工作实际；',
        '资金分配存在《山东省财政专项扶贫资金和项目管理办法》中明确不得列支的项目；',
        '未及时向社会公布资金政策文件、管理制度、资金分配结果等信息。',
      ],
    },
    {
      title: '资金投速是否及时',
      departments: FUNDS,
      problems: [
        '相关职能部门单位未认真履行扶贫资金使用管理职责；',
        '扶贫资金的拨付、支出超过规定期限；',
        '资金使用审批程序不规范；',
        '财政扶贫资金管理不规范，未做到扶贫资金专账核算、专人管理、专款专用等。',
      ],
    },
    {
      title: '资金投效是否明显',
      departments: FUNDS,
      problems: [
        '扶贫资金有大额的或一年以上长期结转结余；',
        '资金使用单位或个人存在虚报冒领、骗取套取、挤占挪用财政专项扶贫资金；',
        '财政专项扶贫资金使用减贫成效不明显。',
      ],
    },
  ]),
  task(5, '看帮扶措施是否精准到位', [
    {
      title: '扶贫包保责任制落实到位',
      departments: ['扶贫办'],
      problems: ['扶贫包保责任制落实不到位。', '国家扶贫开发信息系统帮扶责任人信息有缺项、错误等。'],
    },
    {
      title: '贫困群众安全饮水',
      departments: ['农业服务站'],
      problems: ['贫困户用水是否达到《农村饮水安全评价准则》的要求。'],
    },
    {
      title: '义务教育有保障及建档立卡贫困家庭学生从学前教育到高等教育资助政策落实',
      departments: ['扶贫办', '镇中心中学'],
      problems: ['是否实现义务教育有保障，不因贫失学辍学。'],
    },
  ]),
  task(6, '看低保兜底政策落实情况', [
    {
      title: null,
      departments: ['民政办'],
      problems: [
        '查看符合条件的贫困户是否按规定纳入农村低保及特困人员救助供养范围，不符合条件的贫困户是否按规定及时退出。',
        '查看农村低保标准是否高于按年度动态调整的省定扶贫标准。',
      ],
    },
  ]),
  task(7, '看“六重医疗保障”等医保扶贫政策是否落实到位', [
    {
      title: null,
      departments: ['人社所', '卫生院'],
      problems: [
        '扶贫对象未实现全覆盖；',
        '参加居民医疗保险个人缴费部分政府补助资金不到位；',
        '保健预防、基本医疗保险、大病保险、医疗机构减免、医疗救助、医疗商业补充保险政策落实不到位，作用发挥不充分；',
        '“一站式”信息交换和即时结算系统运行不到位。',
        '镇域内各定点医疗机构是否对贫困患者实施“两免两减半”、“先看病后付费”和住院医疗费用减免政策。',
      ],
    },
  ]),
  task(8, '看贫困户的住房是否安全', [
    {
      title: null,
      departments: ['镇建办'],
      problems: [
        '已脱贫享受政策建档立卡贫困户是否已经保障住房安全；',
        '通过置换或长期租赁村内闲置安全房屋、入住敬老院（农村集体公租房及幸福大院）、亲戚接住等方式保障住房安全的贫困户，是否存在仍回到原房屋入住的情况。',
      ],
    },
  ]),
];

export interface ItemRef {
  task: InspectionTask;
  subArea: SubArea;
  problem: KeyProblem;
}

const itemIndex = new Map<string, ItemRef>(
  DIVISION_TABLE.flatMap((t) => t.subAreas.flatMap((subArea) => subArea.problems.map((problem) => [problem.code, { task: t, subArea, problem }] as const))),
);

export function getTask(no: number): InspectionTask | undefined {
  return DIVISION_TABLE.find((t) => t.no === no);
}

export function findItem(code: string): ItemRef | undefined {
  return itemIndex.get(code);
}

export function allItems(): ItemRef[] {
  return [...itemIndex.values()];
}

export function isTaskNo(n: unknown): n is TaskNo {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 8;
}

/** Whether the task goes to the village's 管区 rather than to departments. */
export function isDistrictTask(no: TaskNo): boolean {
  return getTask(no)?.responsibility === DISTRICT_RESPONSIBILITY;
}

/** The task's departments, lead first, across its sub-areas without repeats. */
export function taskDepartments(t: InspectionTask): DepartmentName[] {
  return [...new Set(t.subAreas.flatMap((s) => s.departments))];
}

/** The table as `cli table` prints it. */
export function divisionTableJson(): unknown {
  return {
    title: '姚村镇脱贫攻坚巩固提升“回头看”工作任务分工表',
    itemCodes: '任务.分项.问题；只有一项的层级省略（如 5.2 为第五项任务第二分项唯一的问题）',
    departments: DEPARTMENTS,
    tasks: DIVISION_TABLE.map((t) => ({
      no: t.no,
      title: t.title,
      departments: t.responsibility ? [DISTRICT] : taskDepartments(t),
      ...(t.responsibility ? { responsibility: t.responsibility } : {}),
      subAreas: t.subAreas.map((s) => ({
        title: s.title,
        departments: t.responsibility ? [DISTRICT] : s.departments,
        items: s.problems.map((p) => ({ item: p.code, text: p.text })),
      })),
    })),
  };
}
