import ExcelJS from 'exceljs';
import { pino } from 'pino';
import type { OrgConfig } from '../../config/org';
import { commitImport, planImport } from '../../src/import/list-import.service';
import { listTemplate, LIST_COLUMNS } from '../../src/import/list-workbook';
import { createLogger } from '../../src/logger';
import { createService } from '../../src/main';
import { DEMO_REPORTS, DEMO_SURNAMES } from '../../src/simulator/demo-data';
import { benchConfig } from './bench-config';
import { startFakeWeCom } from '../helpers/fake-wecom';

export interface ImportBench {
  rows: number;
  /** The dry run: read, check and route every row, nothing stored. */
  dryRunMs: number;
  /** The commit: every row a finding (households matched or made), then one message per unit. */
  commitMs: number;
  created: number;
  merged: number;
  unitMessages: number;
  /** The same file again: nothing to add. */
  againMs: number;
}

/** A 2,000-row list made from the template: the demo's reports over every village, one household in five named twice. */
async function makeList(org: OrgConfig, rows: number): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load((await listTemplate()) as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const villages = org.districts.flatMap((d) => d.villages.map((v) => v.name));
  const items = Object.entries(DEMO_REPORTS).filter(([item]) => !item.startsWith('1.') && !item.startsWith('2.'));
  const at = (key: string) => LIST_COLUMNS.findIndex((c) => c.key === key);
  for (let i = 0; i < rows; i++) {
    const village = villages[i % villages.length]!;
    const [item, texts] = items[i % items.length]!;
    const surname = DEMO_SURNAMES[i % DEMO_SURNAMES.length]!;
    const name = `${surname}${i % 5 === 0 ? '甲' : `某${i}`}`;
    const cells: unknown[] = Array(LIST_COLUMNS.length).fill(null);
    cells[at('serial')] = i + 1;
    cells[at('village')] = village;
    cells[at('householdName')] = name;
    cells[at('text')] = texts[i % texts.length]!.replace('{v}', village).replace('{x}', surname);
    cells[at('source')] = '巡察反馈';
    cells[at('item')] = item;
    sheet.addRow(cells);
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The real service on its own database and a fake WeCom; the import as the page runs it. */
export async function importBench(databaseUri: string, org: OrgConfig, rows = 2_000, say: (m: string) => void = () => undefined): Promise<ImportBench> {
  const wecom = await startFakeWeCom({ app: { secret: 'bench-secret' } });
  const config = benchConfig(databaseUri, wecom.base, { LOG_LEVEL: 'info' });
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const service = createService({ config, org, logger, schedule: false });
  await service.start();
  try {
    const file = await makeList(org, rows);
    const options = { reporter: org.leaders[0]!.userid, importedBy: org.leaders[0]!.userid, batch: '2026年回头看第一轮' };
    let t0 = performance.now();
    const plan = await planImport(service.domain, file, options);
    const dryRunMs = performance.now() - t0;
    say(`import dry run: ${rows} rows in ${Math.round(dryRunMs)} ms (${JSON.stringify(plan.counts)})`);
    t0 = performance.now();
    const result = await commitImport(service.domain, file, options, (done, total) => {
      if (done % 500 === 0 || done === total) say(`import: ${done}/${total}`);
    });
    const commitMs = performance.now() - t0;
    t0 = performance.now();
    const again = await commitImport(service.domain, file, options);
    const againMs = performance.now() - t0;
    if (again.created.length + again.merged.length !== 0) throw new Error('the second import added findings');
    return {
      rows,
      dryRunMs: Math.round(dryRunMs),
      commitMs: Math.round(commitMs),
      created: result.created.length,
      merged: result.merged.length,
      unitMessages: result.messages.length,
      againMs: Math.round(againMs),
    };
  } finally {
    await service.stop();
    await wecom.close();
  }
}
