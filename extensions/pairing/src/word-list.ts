/**
 * The 256 words pairing codes are made of (8 bits each). Chosen to be easy to type and to say aloud:
 * common concrete nouns, 3 to 8 letters, no homophones (no "berry"/"bury", "pair"/"pear"), sorted
 * so a binary search or a datalist works. Never reorder or replace a word: codes typed on an older
 * version must still mean the same bytes.
 */
export const WORD_LIST: readonly string[] = Object.freeze([
  'acid', 'actor', 'agent', 'alarm', 'album', 'alley', 'amber', 'angle', 'ankle', 'apple', 'apron', 'arena',
  'army', 'arrow', 'atlas', 'attic', 'audio', 'award', 'bacon', 'badge', 'bagel', 'baker', 'bamboo', 'banjo',
  'barn', 'basil', 'basket', 'beach', 'beetle', 'bench', 'bike', 'bingo', 'bison', 'blade', 'blanket',
  'bloom', 'board', 'boat', 'bonus', 'boot', 'bottle', 'bowl', 'brain', 'brick', 'bridge', 'broom', 'bucket',
  'buffalo', 'bugle', 'butter', 'cabin', 'cactus', 'camel', 'camera', 'candle', 'canoe', 'canvas', 'carpet',
  'carrot', 'castle', 'cedar', 'cello', 'chalk', 'cherry', 'chess', 'chimney', 'cider', 'circus', 'clock',
  'cloud', 'clover', 'cobra', 'cocoa', 'coffee', 'comet', 'copper', 'coral', 'cotton', 'cowboy', 'crayon',
  'cricket', 'crown', 'cube', 'cupcake', 'curtain', 'daisy', 'dance', 'delta', 'denim', 'desert', 'diary',
  'dinner', 'doctor', 'dolphin', 'donkey', 'dragon', 'drum', 'eagle', 'echo', 'elbow', 'ember', 'engine',
  'falcon', 'farm', 'feather', 'fence', 'fiddle', 'finger', 'flag', 'flame', 'flute', 'forest', 'fossil',
  'fox', 'frog', 'galaxy', 'garden', 'garlic', 'giant', 'ginger', 'giraffe', 'glacier', 'globe', 'glove',
  'goat', 'gold', 'gorilla', 'guitar', 'hammer', 'harbor', 'harp', 'hazel', 'helmet', 'hippo', 'honey',
  'hotel', 'igloo', 'island', 'ivory', 'jacket', 'jaguar', 'jelly', 'jigsaw', 'jungle', 'kayak', 'kettle',
  'kitten', 'koala', 'ladder', 'lagoon', 'lamp', 'lantern', 'lemon', 'lizard', 'lobster', 'locket', 'magnet',
  'mango', 'maple', 'marble', 'meadow', 'melon', 'mirror', 'mitten', 'monkey', 'moose', 'motor', 'muffin',
  'museum', 'nectar', 'needle', 'noodle', 'nutmeg', 'ocean', 'olive', 'onion', 'orange', 'orbit', 'otter',
  'oven', 'owl', 'paddle', 'panda', 'paper', 'parrot', 'pasta', 'peanut', 'pebble', 'pencil', 'pepper',
  'piano', 'pickle', 'pillow', 'pilot', 'pirate', 'pizza', 'planet', 'pocket', 'pony', 'potato', 'puzzle',
  'quilt', 'rabbit', 'radio', 'rainbow', 'raven', 'ribbon', 'river', 'robot', 'rocket', 'ruby', 'saddle',
  'salad', 'salmon', 'sandal', 'saturn', 'scarf', 'shadow', 'shark', 'shovel', 'silver', 'skate', 'sled',
  'snail', 'soccer', 'spider', 'spoon', 'squid', 'statue', 'stone', 'sugar', 'summit', 'sunset', 'tiger',
  'tomato', 'tractor', 'trumpet', 'tulip', 'tunnel', 'turtle', 'umbrella', 'valley', 'velvet', 'violin',
  'volcano', 'waffle', 'wagon', 'walnut', 'walrus', 'whale', 'window', 'winter', 'wizard', 'yogurt', 'zebra',
  'zipper',
]);

/** Word → index, for validation. */
export const WORD_INDEX: ReadonlyMap<string, number> = new Map(WORD_LIST.map((word, index) => [word, index]));
