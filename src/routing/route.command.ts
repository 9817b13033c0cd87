import { loadConfigFromProcess } from '../../config/env';
import { loadOrgConfig, resolveOrgConfigPath } from '../../config/org';
import { createRouter, type RouteResult } from './router';

/** The contract's shape of `cli route`: nothing more, so scripts can rely on it. */
export type RouteCommandOutput = Pick<RouteResult, 'task' | 'item' | 'departments' | 'village' | 'confidence' | 'needsConfirmation'>;

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
  const result = createRouter(loadOrgConfig(file)).route({ text, village });
  const output: RouteCommandOutput = {
    task: result.task,
    item: result.item,
    departments: result.departments,
    village: result.village,
    confidence: result.confidence,
    needsConfirmation: result.needsConfirmation,
  };
  // One line, exactly as the contract shows it.
  return `${JSON.stringify(output)}\n`;
}
