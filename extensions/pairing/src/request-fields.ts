/** Reading typed, bounded fields from a JSON request body, with clear errors for bad input. */
import { KithError } from '@kith/sdk';

export type Body = Record<string, unknown>;

/** The request body as an object (an absent body is an empty object). */
export function bodyOf(body: unknown): Body {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new KithError('KITH_ERR_BAD_REQUEST', 'The body must be a JSON object');
  return body as Body;
}

export function requiredString(body: Body, name: string, max: number): string {
  const value = body[name];
  if (typeof value !== 'string' || value.trim().length === 0) throw new KithError('KITH_ERR_BAD_REQUEST', `${name} is required`);
  if (value.length > max) throw new KithError('KITH_ERR_BAD_REQUEST', `${name} must be at most ${max} characters`);
  return value.trim();
}

export function optionalString(body: Body, name: string, max: number): string | undefined {
  if (body[name] === undefined || body[name] === null || body[name] === '') return undefined;
  return requiredString(body, name, max);
}

export function optionalBoolean(body: Body, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new KithError('KITH_ERR_BAD_REQUEST', `${name} must be true or false`);
  return value;
}

export function optionalInteger(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new KithError('KITH_ERR_BAD_REQUEST', `${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
