/**
 * Route order: the first mounted pattern that matches answers, so a `:param` pattern listed before
 * a literal one takes its requests. The manifest schema warns about such a pair, and registering
 * the shadowed route logs a warning through the extension's own logger.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import type { ExtensionManifest } from '@kith/sdk';
import { validatePackage } from '../../src/extensions/manifest-schema.js';
import { RouteTable } from '../../src/extensions/route-table.js';
import { shadows } from '../../src/extensions/route-shadowing.js';
import type { ExtensionRecord } from '../../src/extensions/extension-record.js';
import type { ExtensionScope } from '../../src/core/area.js';

const pkg = (routes: string[]) => ({
  name: 'kith-notes', version: '1.0.0',
  kith: { id: 'notes', displayName: 'Notes', hostVersion: '^1.0.0', main: 'main.js', contributes: { routes } },
});

describe('extensions: route order', () => {
  it('decides which pattern shadows which', () => {
    expect(shadows('GET /notes/:id', 'GET /notes/recent')).to.equal(true);
    expect(shadows('GET /notes/:id', 'GET /notes/:other')).to.equal(true);
    expect(shadows('GET /notes/*rest', 'GET /notes/a/b')).to.equal(true);
    expect(shadows('GET /notes/recent', 'GET /notes/:id')).to.equal(false);
    expect(shadows('POST /notes/:id', 'GET /notes/recent')).to.equal(false);
    expect(shadows('GET /notes/:id', 'GET /notes/recent/all')).to.equal(false);
    expect(shadows('GET /Notes/:id', 'GET /notes/x')).to.equal(true); // express matches case-insensitively
  });

  it('the manifest schema warns, naming both patterns, when a pattern shadows a later one; the right order is quiet', () => {
    const shadowed = validatePackage(pkg(['GET /notes/:id', 'POST /notes/:id', 'GET /notes/recent']));
    expect(shadowed.warnings).to.deep.equal([
      'kith.contributes.routes.2: "GET /notes/recent" is never reached: "GET /notes/:id" (routes.0) matches it first; list it earlier',
    ]);
    expect(validatePackage(pkg(['GET /notes/recent', 'GET /notes/:id'])).warnings).to.deep.equal([]);
  });

  it('the first mounted pattern answers, and registering the shadowed one logs through the extension logger', async () => {
    const routes = ['GET /notes/:id', 'GET /notes/recent'];
    const manifest = validatePackage(pkg(routes)).manifest as ExtensionManifest;
    const record = { id: 'notes', manifest, installError: undefined } as unknown as ExtensionRecord;
    const table = new RouteTable(async () => undefined);
    table.declare(record);
    const warnings: Array<[string, Record<string, unknown> | undefined]> = [];
    const scope = {
      extension: { id: 'notes', version: '1.0.0', builtin: false, root: '/' }, manifest,
      log: { trace() {}, debug() {}, info() {}, error() {}, warn: (message: string, fields?: Record<string, unknown>) => warnings.push([message, fields]) },
      track: <T>(resource: T) => resource, fault: () => undefined,
    } as unknown as ExtensionScope;
    const api = table.forScope(scope);
    api.get('/notes/:id', (request) => ({ by: 'id', id: request.params.id }));
    expect(warnings).to.deep.equal([]);
    api.get('/notes/recent', () => ({ by: 'recent' }));
    expect(warnings).to.have.length(1);
    expect(warnings[0]![1]).to.deep.equal({ route: 'GET /notes/recent', shadowedBy: 'GET /notes/:id' });

    const app = express().use('/api', table.router);
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await (await fetch(`http://127.0.0.1:${port}/api/notes/recent`)).json();
      expect(answer).to.deep.equal({ by: 'id', id: 'recent' });
    } finally {
      server.close();
    }
  });
});
