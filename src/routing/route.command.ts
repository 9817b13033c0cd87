import { loadConfigFromProcess } from '../../config/env';
import { loadOrgConfig, resolveOrgConfigPath } from '../../config/org';
import { createRouter, type RouteResult } from './router';

/** The contract's shape of `cli route`: nothing more, so scripts can rely on it. */
export type RouteCommandOutput = Pick<RouteResult, 'task' | 'item' | 'departments' | 'village' | 'confidence' | 'needsConfirmation'> & {
  /** Only when the report holds several problems; the fields above are then the first part's. */
  parts?: RouteCommandPart[];
};
export type RouteCommandPart = { text: string } & Pick<RouteResult, 'task' | 'item' | 'departments' | 'confidence' | 'needsConfirmation'>;

export function parseRouteArgs(args: string[]): { text: string; village: string | null } {
  const words: string[] = [];
  let village: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--village') {
      const value = args[i + 1];
      if (value === undefined) throw new Error('--village 后面需要村名，例如 --village 东岭村');
      village = value;
      i++;
    } else if (arg.startsWith('--village=')) {
      village = arg.slice('--village='.length);
    } else {
      words.push(arg);
    }
  }
  return { text: words.join(' '), village };
}

/**
 * `cli route "<text>" [--village 东岭村]`: routes with the organisation file the service would load,
 * without a database, so corrections learned in the service are not consulted here.
 */
export async function routeCommand(args: string[]): Promise<string> {
  const { text, village } = parseRouteArgs(args);
  const config = loadConfigFromProcess();
  const { file } = resolveOrgConfigPath(config.orgConfigPath, config.orgConfigExplicit);
  const parts = createRouter(loadOrgConfig(file)).routeReport({ text, village });
  const result = parts[0]!.route;
  const output: RouteCommandOutput = {
    task: result.task,
    item: result.item,
    departments: result.departments,
    village: result.village,
    confidence: result.confidence,
    needsConfirmation: result.needsConfirmation,
  };
  if (parts.length > 1) {
    output.parts = parts.map(({ text: partText, route: r }) => ({
      text: partText,
      task: r.task,
      item: r.item,
      departments: r.departments,
      confidence: r.confidence,
      needsConfirmation: r.needsConfirmation,
    }));
  }
  // One line, exactly as the contract shows it.
  return `${JSON.stringify(output)}\n`;
}
