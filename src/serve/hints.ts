import type { IncomingHttpHeaders } from 'node:http';
import type { CheckMode, RouterConfig } from '../config/router-config.js';
import { EXPECTS, TIERS, type Expects, type RouteRequest, type Tier } from '../contract/request.js';
import { ApiError } from './api-errors.js';

/** The model names a client may ask for: the router's choice, a tier, or one configured model. */
export const AUTO_MODEL = 'hybridllm/auto';

/** What a client asked of the router beyond its messages: routing hints, a pin, a check mode. */
export interface Hints {
  request: Pick<
    RouteRequest,
    'action' | 'expects' | 'requiredFields' | 'qualityCritical' | 'preferLocal' | 'pin'
  >;
  checkMode: CheckMode | undefined;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function flag(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ApiError(400, 'invalid_request', `${name} must be true or false, got '${value}'`);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Hints from `x-hybridllm-*` headers, else from the body's `metadata` (`action`, `expect`, `fields`,
 * `quality_critical`, `prefer_local`, `check_mode`, each optionally prefixed `hybridllm_`), and the pin the
 * model name asks for. Without hints the request is classified from its content.
 */
export function readHints(
  headers: IncomingHttpHeaders,
  metadata: Record<string, unknown> | undefined,
  model: string,
  config: RouterConfig,
): Hints {
  const meta = (key: string): string | undefined => {
    const value = metadata?.[`hybridllm_${key}`] ?? metadata?.[key];
    return value === undefined || value === null ? undefined : String(value);
  };
  const get = (key: string): string | undefined =>
    header(headers, `x-hybridllm-${key.replace(/_/g, '-')}`) ?? meta(key);
  const request: Hints['request'] = {};
  const action = get('action');
  if (action) request.action = action.trim();
  const expect = get('expect');
  if (expect !== undefined) {
    if (!(EXPECTS as readonly string[]).includes(expect))
      throw new ApiError(
        400,
        'invalid_request',
        `x-hybridllm-expect must be one of ${EXPECTS.join(', ')}, got '${expect}'`,
      );
    request.expects = expect as Expects;
  }
  const fields = get('fields');
  if (fields)
    request.requiredFields = fields
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
  const critical = flag(get('quality_critical'), 'x-hybridllm-quality-critical');
  if (critical !== undefined) request.qualityCritical = critical;
  const local = flag(get('prefer_local'), 'x-hybridllm-prefer-local');
  if (local !== undefined) request.preferLocal = local;
  const mode = get('check_mode');
  if (mode !== undefined && mode !== 'buffer' && mode !== 'stream')
    throw new ApiError(
      400,
      'invalid_request',
      `x-hybridllm-check-mode must be buffer or stream, got '${mode}'`,
    );
  const pin = pinOf(model, config);
  if (pin) request.pin = pin;
  return { request, checkMode: mode as CheckMode | undefined };
}

/** `hybridllm/auto` (or `auto`): no pin; `hybridllm/<TIER>`: that tier; a configured model's name: that model. */
export function pinOf(model: string, config: RouterConfig): RouteRequest['pin'] {
  const name = model.startsWith('hybridllm/') ? model.slice('hybridllm/'.length) : model;
  if (name === 'auto' || name === '') return undefined;
  if ((TIERS as readonly string[]).includes(name)) return { tier: name as Tier };
  if (config.models.some((m) => m.enabled && m.name === name)) return { model: name };
  throw new ApiError(
    404,
    'model_not_found',
    `The model '${model}' does not exist here: use ${AUTO_MODEL}, hybridllm/LOCAL_FAST, hybridllm/LOCAL_QUALITY, hybridllm/API_FALLBACK or an enabled model (GET /v1/models lists them)`,
  );
}

/** The check mode for an answer of this shape: the request's, else the config's per shape. */
export function checkModeFor(
  expects: Expects,
  requested: CheckMode | undefined,
  config: RouterConfig,
): CheckMode {
  if (requested) return requested;
  const modes = config.serve.checkMode;
  return expects === 'json' ? modes.json : expects === 'text' ? modes.text : modes.code;
}
