import type { Express, RequestHandler } from 'express';
import { KithError } from '@kith/sdk';
import { insideRoot } from './discovery.js';
import type { ExtensionManager } from './extension-manager.js';
import { uiModulePath } from './extension-entry.js';

/**
 * `GET /ext/<id>/<path>`: the one `uiModule` file an extension declares, as JavaScript, read-only.
 * It sits outside `/api` because a `<script type=module>` cannot send the launch secret; so it
 * answers only for an extension that runs for the unlocked persona, and only that exact file.
 */
export function mountUiModules(app: Express, manager: ExtensionManager): void {
  const serve: RequestHandler = async (req, res) => {
    await manager.settledFor(String(req.params.id));
    const record = manager.records.find((r) => r.id === req.params.id);
    const wanted = record ? uiModulePath(record) : null;
    const running = record !== undefined && manager.persona !== undefined && manager.status(record.id).running;
    if (!record || !wanted || !running || wanted !== decodeURI(req.path)) {
      const error = new KithError('KITH_ERR_NOT_FOUND', 'No such extension UI module');
      res.status(error.status).json(error.toJSON());
      return;
    }
    let file: string;
    try {
      file = insideRoot(record.root, record.manifest!.contributes!.uiModule!);
    } catch (error) {
      res.status(404).json((error as KithError).toJSON());
      return;
    }
    res.sendFile(
      file,
      {
        dotfiles: 'deny',
        headers: {
          'content-type': 'text/javascript; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
      },
      (error) => {
        if (error && !res.headersSent) res.status(404).json(new KithError('KITH_ERR_NOT_FOUND', 'The UI module file is missing').toJSON());
      },
    );
  };
  app.get('/ext/:id/*file', serve);
}
