import type { Router } from 'express';
import { KithError } from '@kith/sdk';
import type { z } from 'zod';
import { answer, jsonBody } from '../gateway/json-route.js';
import { profileInput, themeChoice, themeInput, type UiProfiles } from './ui-profiles.js';

const BODY_LIMIT = 8 * 1024;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new KithError('KITH_ERR_BAD_REQUEST', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid body'}`);
  }
  return result.data;
}

/**
 * `GET|POST /themes` (built-in + custom themes; save a custom one) and `GET|POST /accounts`,
 * `POST /accounts/:id/theme` (UI profiles and their theme). Lock-gated, as the reference lists
 * them: the login page paints from the choice the browser remembers (localStorage), not from here.
 */
export function mountUiProfileRoutes(api: Router, store: UiProfiles): void {
  const body = jsonBody(BODY_LIMIT);
  api.get('/themes', answer(() => store.themes()));
  api.post('/themes', body, answer((req, res) => {
    res.status(201);
    return store.saveTheme(parse(themeInput, req.body));
  }));
  api.get('/accounts', answer(() => store.profiles()));
  api.post('/accounts', body, answer((req, res) => {
    res.status(201);
    return store.createProfile(parse(profileInput, req.body));
  }));
  api.post('/accounts/:id/theme', body, answer((req) => {
    const id = String(req.params['id'] ?? '');
    if (!/^[0-9a-f]{16}$/.test(id)) throw new KithError('KITH_ERR_NOT_FOUND', 'No UI profile with that id');
    return store.setTheme(id, parse(themeChoice, req.body).theme_slug);
  }));
}
