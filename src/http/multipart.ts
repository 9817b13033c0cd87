import busboy from 'busboy';
import type { Context } from 'koa';
import { AppError } from '../errors';

/**
 * A multipart/form-data body (the report form with its photos), read within limits: so many
 * files of so many bytes, so many short fields. Files are kept in memory (at most files × fileSize).
 * When a limit is broken the rest of the body is still read and thrown away, so the browser gets
 * the answer instead of a reset connection.
 */
export interface UploadedFile {
  field: string;
  filename: string;
  buffer: Buffer;
}

export interface MultipartBody {
  fields: Record<string, string>;
  files: UploadedFile[];
}

export interface MultipartLimits {
  files: number;
  fileSize: number;
  fields: number;
  fieldSize: number;
}

export async function readMultipart(ctx: Context, limits: MultipartLimits): Promise<MultipartBody> {
  if (!ctx.is('multipart/form-data')) throw new AppError('bad_request', '请求应为 multipart/form-data 表单');
  const total = limits.files * limits.fileSize + limits.fields * limits.fieldSize + 256 * 1024;
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > total) throw new AppError('payload_too_large', `提交内容过大（最多 ${limits.files} 张照片，每张不超过 ${Math.round(limits.fileSize / 1024 / 1024)} MB）`);

  return new Promise<MultipartBody>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: ctx.req.headers,
        defParamCharset: 'utf8',
        limits: { files: limits.files, fileSize: limits.fileSize, fields: limits.fields, fieldSize: limits.fieldSize, parts: limits.files + limits.fields + 2 },
      });
    } catch {
      reject(new AppError('bad_request', '表单格式不正确'));
      return;
    }
    const fields: Record<string, string> = {};
    const files: UploadedFile[] = [];
    let failure: AppError | undefined;
    const fail = (err: AppError): void => {
      failure ??= err;
    };

    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new AppError('payload_too_large', `“${name}”内容过长`));
      else fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (!failure) chunks.push(chunk);
      });
      stream.on('limit', () => fail(new AppError('payload_too_large', `照片“${info.filename ?? ''}”超过 ${Math.round(limits.fileSize / 1024 / 1024)} MB，请压缩后再传`)));
      stream.on('end', () => {
        const buffer = Buffer.concat(chunks);
        // An empty file input still sends a part without a name or bytes.
        if (!failure && (buffer.length > 0 || info.filename)) files.push({ field: name, filename: (info.filename ?? '').slice(0, 200), buffer });
      });
    });
    bb.on('filesLimit', () => fail(new AppError('payload_too_large', `最多上传 ${limits.files} 张照片`)));
    bb.on('fieldsLimit', () => fail(new AppError('bad_request', '表单字段过多')));
    bb.on('partsLimit', () => fail(new AppError('bad_request', '表单内容过多')));
    bb.on('error', () => fail(new AppError('bad_request', '表单内容不完整，请重新提交')));
    bb.on('close', () => (failure ? reject(failure) : resolve({ fields, files })));
    ctx.req.on('error', () => {
      fail(new AppError('bad_request', '上传中断，请重新提交'));
      reject(failure);
    });
    ctx.req.pipe(bb);
  });
}
