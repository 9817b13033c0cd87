import type Router from '@koa/router';
import { randomBytes } from 'node:crypto';
import type { DomainContext } from '../context';
import { AppError } from '../errors';
import { MAX_BATCH_CHARS } from '../findings/batch.setting';
import { SOURCES, type FindingSource } from '../findings/finding.model';
import { commitImport, fileDigest, planImport, SYSTEM_IMPORT, type ImportOptions, type ImportResult } from '../import/list-import.service';
import { listTemplate } from '../import/list-workbook';
import { bytesOf, importFiles, importRuns } from '../import/import-store';
import { importPlanPage, importRunPage, importUploadPage } from '../web/import.template';
import { requireCsrf } from './form.routes';
import { readMultipart } from './multipart';
import type { SessionManager } from './session';
import { sendPage, seesEverything, viewerOf, whoLine, type Viewer } from './viewer';

const MAX_LIST_BYTES = 10 * 1024 * 1024;

/**
 * /dashboard/import (leaders): GET the upload page, GET template.xlsx, POST a file to check it (the
 * dry run; the file is kept by its digest so the commit need not send it again), POST commit to
 * import it in the background, GET runs/:id for its progress (any instance can answer: the run's
 * progress is in the database).
 */
export function addImportRoutes(router: Router, deps: { domain: DomainContext; sessions: SessionManager }): void {
  const { domain, sessions } = deps;
  const lists = () => importFiles(domain.findings.model.db);
  const runs = () => importRuns(domain.findings.model.db);

  /**
   * A leader imports as the findings' reporter. The admin token is nobody: its rows are recorded
   * as 系统导入, with the first leader as reporter (who is told of 整改完成 and may 销号, as any leader may).
   */
  const importer = (v: Viewer): Pick<ImportOptions, 'reporter' | 'importedBy'> => {
    if (!seesEverything(v)) throw new AppError('forbidden', '只有镇领导可以导入问题清单。');
    return v.kind === 'member' ? { reporter: v.userid, importedBy: v.userid } : { reporter: domain.directory.leaders()[0]!, importedBy: SYSTEM_IMPORT };
  };
  const shell = (ctx: Parameters<Parameters<Router['get']>[1]>[0], v: Viewer) => ({
    town: domain.directory.town,
    nonce: ctx.state.nonce ?? '',
    who: whoLine(v),
    csrf: v.kind === 'member' ? sessions.csrfToken(v.session) : '',
  });

  router.get('/import', async (ctx) => {
    const v = viewerOf(ctx);
    importer(v);
    sendPage(ctx, importUploadPage({ ...shell(ctx, v), batch: await domain.batches.current() }));
  });

  router.get('/import/template.xlsx', async (ctx) => {
    importer(viewerOf(ctx));
    ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    ctx.set('Content-Disposition', `attachment; filename="template.xlsx"; filename*=UTF-8''${encodeURIComponent('问题清单模板.xlsx')}`);
    ctx.body = await listTemplate();
  });

  router.post('/import', async (ctx) => {
    const v = viewerOf(ctx);
    const who = importer(v);
    const body = await readMultipart(ctx, { files: 1, fileSize: MAX_LIST_BYTES, fields: 8, fieldSize: 1024 });
    requireCsrf(v, sessions, body.fields.csrf);
    const source = (body.fields.source || '自查') as FindingSource;
    if (!SOURCES.includes(source)) throw new AppError('bad_request', `问题来源应为 ${SOURCES.join('、')} 之一`);
    const batch = (body.fields.batch ?? '').trim();
    if (batch.length > MAX_BATCH_CHARS) throw new AppError('bad_request', `批次名称过长（最多 ${MAX_BATCH_CHARS} 字）`);
    const options: ImportOptions = { ...who, source, ...(batch ? { batch } : {}) };

    if (body.fields.action === 'commit') {
      const digest = body.fields.digest ?? '';
      const stored = /^[0-9a-f]{64}$/.test(digest) ? await lists().findOne({ _id: digest }) : null;
      if (!stored?.data) throw new AppError('bad_request', '找不到要导入的文件，请重新上传并检查。');
      const id = randomBytes(9).toString('base64url');
      await runs().insertOne({ _id: id, digest, by: who.importedBy, at: domain.clock.now(), done: 0, total: 0, state: 'running', result: null, error: null });
      const progress = (done: number, total: number) => void runs().updateOne({ _id: id }, { $set: { done, total } }).catch(() => undefined);
      // The import goes on after the answer; the page watches its progress.
      void commitImport(domain, bytesOf(stored.data), options, progress).then(
        (result: ImportResult) => runs().updateOne({ _id: id }, { $set: { state: 'done', result, done: result.created.length + result.merged.length, total: result.created.length + result.merged.length } }),
        (err: unknown) => {
          domain.logger.error({ err }, '问题清单导入失败');
          return runs().updateOne({ _id: id }, { $set: { state: 'failed', error: err instanceof AppError ? err.message : '导入时出错，已导入的行不会重复，可重新导入。' } });
        },
      );
      ctx.status = 303;
      ctx.redirect(`/dashboard/import/runs/${id}`);
      return;
    }

    const file = body.files.find((f) => f.field === 'file');
    if (!file || file.buffer.length === 0) throw new AppError('bad_request', '请选择清单文件（.xlsx）');
    const plan = await planImport(domain, file.buffer, options);
    await lists().replaceOne({ _id: fileDigest(file.buffer) }, { name: file.filename, data: file.buffer, by: who.importedBy, at: domain.clock.now() }, { upsert: true });
    sendPage(ctx, importPlanPage({ ...shell(ctx, v), plan, filename: file.filename || 'Excel', source, name: (id) => domain.directory.displayName(id) }));
  });

  router.get('/import/runs/:id', async (ctx) => {
    const v = viewerOf(ctx);
    importer(v);
    const run = await runs().findOne({ _id: String(ctx.params.id) });
    if (!run) throw new AppError('not_found', '没有这次导入');
    sendPage(ctx, importRunPage({ ...shell(ctx, v), run }));
  });
}
