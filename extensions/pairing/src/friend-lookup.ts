import { KithError, type Friend, type Friends } from '@kith/sdk';

/** A friend by local row id (`12`) or master public key (64 hex); 404 when there is none. */
export async function findFriend(friends: Friends, id: string): Promise<Friend> {
  let friend: Friend | undefined;
  if (/^\d{1,12}$/.test(id)) friend = (await friends.list()).find((f) => f.id === Number(id));
  else if (/^[0-9a-fA-F]{64}$/.test(id)) friend = await friends.get(id.toLowerCase());
  if (!friend) throw new KithError('KITH_ERR_NOT_FOUND', `No friend with id ${id}`);
  return friend;
}
