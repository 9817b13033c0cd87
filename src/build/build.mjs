// `npm run build`: the TypeScript of src/, handlers/, jobs/ and config/ compiled to JavaScript
// under dist/ (the same layout), so `npm start` and the CLI run on plain `node` without compiling
// at every start. Type checking is `npm run typecheck`'s job; this only emits, file by file.
//
// `--if-stale` (run before `npm start` and `npm run cli`) does nothing when dist/ is newer than
// every source file, so a `git pull` without `npm install` still runs the current code.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = path.join(root, 'dist');
const stamp = path.join(outDir, '.built');
const sourceDirs = ['src', 'handlers', 'jobs', 'config'];
/** Run from the source tree only (with tsx), never by `npm start` or the CLI. */
const notShipped = [path.join(root, 'src/routing/training')];

function sources(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (notShipped.includes(full)) continue;
    if (entry.isDirectory()) found.push(...sources(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(full);
  }
  return found;
}

const files = sourceDirs.flatMap((d) => sources(path.join(root, d)));

function isStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  const inputs = [...files, fileURLToPath(import.meta.url), path.join(root, 'tsconfig.json')];
  return inputs.some((f) => statSync(f).mtimeMs > built) || readFileSync(stamp, 'utf8') !== String(files.length);
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);

// Loaded only now: the compiler is most of this script's start-up, and a fresh build does without it.
const { default: ts } = await import('typescript');

const started = Date.now();
const configFile = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
const compilerOptions = { ...options, noEmit: false, module: ts.ModuleKind.ESNext, sourceMap: false, declaration: false };

/**
 * Node's ES modules need the file an import names: the source writes `'./router'` (resolved by
 * the bundler-style settings for the type checker and tsx), the output says `'./router.js'`.
 */
function withExtension(specifier, fromFile) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return specifier;
  const target = path.resolve(path.dirname(fromFile), specifier);
  if (existsSync(`${target}.ts`)) return `${specifier}.js`;
  if (existsSync(path.join(target, 'index.ts'))) return `${specifier}/index.js`;
  if (specifier.endsWith('.ts') && existsSync(target)) return specifier.replace(/\.ts$/, '.js');
  return specifier;
}

function rewriteImports(fileName) {
  return (context) => {
    const { factory } = context;
    const visit = (node) => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        const next = withExtension(node.moduleSpecifier.text, fileName);
        if (next !== node.moduleSpecifier.text) {
          const literal = factory.createStringLiteral(next);
          return ts.isImportDeclaration(node)
            ? factory.updateImportDeclaration(node, node.modifiers, node.importClause, literal, node.attributes)
            : factory.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, literal, node.attributes);
        }
      }
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
        const next = withExtension(node.arguments[0].text, fileName);
        if (next !== node.arguments[0].text) return factory.updateCallExpression(node, node.expression, node.typeArguments, [factory.createStringLiteral(next), ...node.arguments.slice(1)]);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (sourceFile) => ts.visitNode(sourceFile, visit);
  };
}

rmSync(outDir, { recursive: true, force: true });
const problems = [];
for (const file of files) {
  const result = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions,
    fileName: file,
    reportDiagnostics: true,
    transformers: { before: [rewriteImports(file)] },
  });
  for (const d of result.diagnostics ?? []) problems.push(`${path.relative(root, file)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  const out = path.join(outDir, path.relative(root, file)).replace(/\.ts$/, '.js');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, result.outputText);
}
if (problems.length > 0) {
  process.stderr.write(`构建失败 / build failed:\n${problems.join('\n')}\n`);
  process.exit(1);
}
writeFileSync(stamp, String(files.length));
process.stderr.write(`已编译 ${files.length} 个文件到 dist/（${Date.now() - started} ms）/ compiled to dist/\n`);
