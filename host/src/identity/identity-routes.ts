import type { Router } from 'express';
import { z } from 'zod';
import { KithError } from '@kith/sdk';
import { answer, jsonBody } from '../gateway/json-route.js';
import type { PersonaRegistry } from './persona-registry.js';

// Bounds are checked by the body parser (size) and here (shape) before anything else runs.
const passphrase = z.string().min(1).max(1024);
const slug = z.string().min(1).max(32);
const label = z.string().min(1).max(64);
const unlockBody = z.strictObject({ slug, passphrase, set_active: z.boolean().optional() });
const createBody = z.strictObject({ slug: slug.optional(), label, passphrase });
const restoreBody = z.strictObject({ slug: slug.optional(), label, passphrase, mnemonic: z.string().max(1000) });
const selectBody = z.strictObject({ slug });
const passphraseBody = z.strictObject({ old_passphrase: passphrase, new_passphrase: passphrase });
const wordsBody = z.strictObject({ passphrase });
const noBody = z.union([z.undefined(), z.strictObject({})]);
const BODY_LIMIT = 8 * 1024;

/**
 * The public identity routes (they work while locked):
 * `GET /identity/state`, `POST /identity/unlock`, `POST /identity/lock`, `GET|POST /personas`,
 * `POST /personas/select`, `POST /personas/restore`, `POST /personas/:slug/passphrase`,
 * `POST /personas/:slug/mnemonic`.
 */
export function mountIdentityRoutes(api: Router, registry: PersonaRegistry, onLock: () => void): void {
  api.get('/identity/state', answer(() => registry.state()));

  api.post(
    '/identity/unlock',
    jsonBody(BODY_LIMIT),
    answer(async (req) => {
      const body = parse(unlockBody, req.body);
      await registry.unlock(body.slug, body.passphrase, body.set_active);
      return registry.state();
    }),
  );

  api.post(
    '/identity/lock',
    jsonBody(BODY_LIMIT),
    answer((req) => {
      parse(noBody, emptyToUndefined(req.body));
      registry.lock();
      onLock();
      return registry.state();
    }),
  );

  api.get('/personas', answer(() => registry.list()));

  api.post(
    '/personas',
    jsonBody(BODY_LIMIT),
    answer(async (req, res) => {
      const created = await registry.create(parse(createBody, req.body));
      res.status(201);
      return created;
    }),
  );

  api.post(
    '/personas/select',
    jsonBody(BODY_LIMIT),
    answer((req) => {
      registry.select(parse(selectBody, req.body).slug);
      return registry.state();
    }),
  );

  api.post(
    '/personas/restore',
    jsonBody(BODY_LIMIT),
    answer(async (req, res) => {
      const restored = await registry.restore(parse(restoreBody, req.body));
      res.status(201);
      return restored;
    }),
  );

  api.post(
    '/personas/:slug/passphrase',
    jsonBody(BODY_LIMIT),
    answer(async (req) => {
      const body = parse(passphraseBody, req.body);
      await registry.changePassphrase(String(req.params.slug), body.old_passphrase, body.new_passphrase);
      return undefined;
    }),
  );

  api.post(
    '/personas/:slug/mnemonic',
    jsonBody(BODY_LIMIT),
    answer(async (req, res) => {
      const body = parse(wordsBody, req.body);
      res.setHeader('Cache-Control', 'no-store');
      return { mnemonic: await registry.recoveryWords(String(req.params.slug), body.passphrase) };
    }),
  );
}

/** express.json leaves `{}` when no body was sent. */
function emptyToUndefined(body: unknown): unknown {
  return body && typeof body === 'object' && Object.keys(body).length === 0 ? undefined : body;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new KithError('KITH_ERR_BAD_REQUEST', `${where}${issue?.message ?? 'invalid body'}`);
  }
  return result.data;
}
