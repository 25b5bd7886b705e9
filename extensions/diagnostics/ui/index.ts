// The diagnostics extension's UI: standalone components named in the manifest's contributes.views.
export { DiagnosticsPage } from './diagnostics-page';
export { QualityBadge } from './quality-badge';
