import type { Router } from 'express';
import { z } from 'zod';
import { KithError } from '@kith/sdk';
import { answer, jsonBody } from '../gateway/json-route.js';
import type { ExtensionManager } from './extension-manager.js';
import { toEntry, type ExtensionEntry } from './extension-entry.js';
import type { SettingsStore } from './settings-store.js';

const toggleBody = z.strictObject({ enabled: z.boolean() });
const settingBody = z.strictObject({ value: z.union([z.boolean(), z.string(), z.number()]) });

/** The routes this area mounts itself: no extension may answer them. */
export const EXTENSIONS_API_ROUTES: readonly string[] = [
  'GET /extensions',
  'POST /extensions/:id',
  'PUT /extensions/:id/settings/:setting',
];

/**
 * `GET /api/extensions`, `POST /api/extensions/:id {enabled}` and
 * `PUT /api/extensions/:id/settings/:setting {value}` (all lock-gated).
 */
export function mountExtensionRoutes(api: Router, manager: ExtensionManager, settings: SettingsStore): void {
  const entry = async (id: string): Promise<ExtensionEntry> => {
    const record = manager.records.find((r) => r.id === id);
    if (!record) throw new KithError('KITH_ERR_NOT_FOUND', `No extension "${id}" is installed`);
    const persona = manager.persona;
    const values = persona ? await settings.values(persona.info.slug, id, record.manifest?.contributes?.settings ?? []) : {};
    return toEntry(record, manager.status(id), [...(manager.run(id)?.kinds.keys() ?? [])], values);
  };

  api.get(
    '/extensions',
    answer(async () => {
      await manager.settled();
      return { extensions: await Promise.all(manager.records.map((r) => entry(r.id))) };
    }),
  );

  api.post(
    '/extensions/:id',
    jsonBody(1024),
    answer(async (req) => {
      const body = parse(toggleBody, req.body);
      const id = String(req.params.id);
      await manager.setEnabled(id, body.enabled);
      return entry(id);
    }),
  );

  api.put(
    '/extensions/:id/settings/:setting',
    jsonBody(8 * 1024),
    answer(async (req) => {
      const { value } = parse(settingBody, req.body);
      const id = String(req.params.id);
      const record = manager.records.find((r) => r.id === id);
      const persona = manager.persona;
      if (!record?.manifest) throw new KithError('KITH_ERR_NOT_FOUND', `No extension "${id}" is installed`);
      if (!persona) throw new KithError('KITH_ERR_LOCKED');
      await settings.update(persona.info.slug, id, record.manifest.contributes?.settings ?? [], String(req.params.setting), value);
      return { id: String(req.params.setting), value };
    }),
  );
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new KithError('KITH_ERR_BAD_REQUEST', problems.join('; '));
  }
  return parsed.data;
}
