// The pairing extension's UI: standalone components named in the manifest's contributes.views.
export { FriendsView } from './friends-view';
export { PairFriendView } from './pair-friend-view';
