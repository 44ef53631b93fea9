// The demo world `npm start` seeds once: a small, hand-written forest kingdom that shows every
// element type and most relationship kinds.
export const DEMO_USER = { id: "demouser00000001", email: "demo@loreloom.local", name: "Demo Weaver", password: "demo-password-1" };

export const DEMO_WORLD = {
  id: "demoworld0000001",
  title: "The Verdant Reach",
  description:
    "A mystical forest kingdom hidden in ancient woods, where the trees remember every oath ever sworn beneath them and the rivers carry songs instead of fish.",
  style: "fantasy",
  tags: ["forest", "kingdom", "demo"],
};

export const DEMO_ELEMENTS = [
  ["e01", "location", "Thornwall Citadel", "A fortress grown, not built: its walls are living thornwood, pruned each spring by the Wardens.", 0, 0, ["capital"]],
  ["e02", "location", "The Whispering Hollow", "A sunken glade where the oldest oak speaks in the voices of those buried beneath it.", 320, -120, ["sacred"]],
  ["e03", "location", "Silverbrook Crossing", "A ford of moonlit stones, the only safe way across the singing river.", 300, 220, []],
  ["e04", "character", "Queen Ysolde Mirewen", "The antlered queen of the Reach, bound to the forest by an oath she no longer remembers making.", -300, -140, ["royalty"]],
  ["e05", "character", "Fennick Ashbough", "A fox-eyed ranger who maps paths that move at night.", -260, 200, ["ranger"]],
  ["e06", "character", "Old Mother Brambleweft", "A weaver of fates who lives in the Hollow and trades in remembered names.", 620, -200, ["oracle"]],
  ["e07", "faction", "The Thornwardens", "Knights sworn to tend the living walls and to keep outsiders lost in the woods.", -60, -320, ["order"]],
  ["e08", "faction", "The Ashen Circle", "Exiled druids who believe the forest must burn to be reborn.", 640, 140, ["rebels"]],
  ["e09", "item", "The Rootbound Crown", "A circlet of living roots that tightens when its wearer lies.", -560, -60, ["artifact"]],
  ["e10", "creature", "Mosshide Stag", "A great stag whose antlers bloom in spring; it is said to choose the rulers of the Reach.", 40, 380, ["beast"]],
  ["e11", "event", "The Night of Falling Leaves", "The autumn the Ashen Circle set the first fire, and the river sang a dirge for a week.", 900, -20, ["history"]],
  ["e12", "lore", "The Oath of Roots", "Every ruler of the Reach swears to the trees; break the oath and the forest forgets your name.", -560, 220, ["myth"]],
];

export const DEMO_RELATIONSHIPS = [
  ["r01", "e04", "e01", "located_in", "rules from the throne of thorns"],
  ["r02", "e04", "e09", "owns", ""],
  ["r03", "e07", "e01", "located_in", "garrisoned in the outer rings"],
  ["r04", "e05", "e07", "member_of", "reluctant scout"],
  ["r05", "e06", "e02", "located_in", ""],
  ["r06", "e08", "e07", "enemy_of", "sworn foes since the fire"],
  ["r07", "e08", "e11", "caused", ""],
  ["r08", "e10", "e04", "related_to", "chose her as queen"],
  ["r09", "e03", "e01", "related_to", "the road to the citadel"],
  ["r10", "e12", "e09", "related_to", "the crown enforces the oath"],
  ["r11", "e06", "e08", "allied_with", "secretly"],
  ["r12", "e02", "e10", "contains", "the stag's winter resting place"],
];
