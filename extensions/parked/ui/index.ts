// The parked extension's UI: standalone components named in the manifest's contributes.views.
export { ParkedView } from './parked-view';
