"""Obviously fictional display names and zero-padded pseudonymous ids."""

from __future__ import annotations

import numpy as np
import polars as pl

CLIENT_GIVEN = (
    "Acorn",
    "Alder",
    "Aspen",
    "Basil",
    "Birch",
    "Bramble",
    "Briar",
    "Cedar",
    "Clover",
    "Cypress",
    "Daisy",
    "Elm",
    "Fern",
    "Hawthorn",
    "Hazel",
    "Heather",
    "Holly",
    "Ivy",
    "Larch",
    "Laurel",
    "Linden",
    "Lupin",
    "Magnolia",
    "Maple",
    "Marigold",
    "Moss",
    "Myrtle",
    "Nettle",
    "Olive",
    "Pine",
    "Poplar",
    "Poppy",
    "Quince",
    "Reed",
    "Rowan",
    "Sage",
    "Sequoia",
    "Sorrel",
    "Spruce",
    "Tamarack",
    "Tansy",
    "Thistle",
    "Violet",
    "Willow",
    "Wisteria",
    "Yarrow",
    "Yew",
    "Zinnia",
)
CLIENT_FAMILY = (
    "Otter",
    "Badger",
    "Beaver",
    "Bison",
    "Caribou",
    "Chipmunk",
    "Coyote",
    "Dormouse",
    "Elk",
    "Ermine",
    "Ferret",
    "Fox",
    "Gecko",
    "Gopher",
    "Hare",
    "Hedgehog",
    "Ibex",
    "Jackal",
    "Koala",
    "Lemming",
    "Lynx",
    "Marmot",
    "Marten",
    "Meerkat",
    "Mink",
    "Moose",
    "Muskrat",
    "Newt",
    "Ocelot",
    "Panda",
    "Pika",
    "Possum",
    "Quokka",
    "Rabbit",
    "Raccoon",
    "Salamander",
    "Seal",
    "Shrew",
    "Skunk",
    "Squirrel",
    "Stoat",
    "Tapir",
    "Toad",
    "Tortoise",
    "Vole",
    "Walrus",
    "Weasel",
    "Wombat",
)
CLINICIAN_GIVEN = (
    "Juniper",
    "Saffron",
    "Indigo",
    "Clementine",
    "Rosemary",
    "Tarragon",
    "Cobalt",
    "Amber",
    "Russet",
    "Fennel",
    "Marjoram",
    "Cinnamon",
    "Ochre",
    "Sienna",
    "Cardamom",
    "Umber",
    "Azure",
    "Nutmeg",
    "Vermilion",
    "Caraway",
)
CLINICIAN_FAMILY = (
    "Finch",
    "Wren",
    "Heron",
    "Kestrel",
    "Plover",
    "Sparrow",
    "Lark",
    "Osprey",
    "Puffin",
    "Egret",
    "Starling",
    "Curlew",
    "Dunlin",
    "Warbler",
    "Nightjar",
    "Siskin",
    "Avocet",
    "Bittern",
    "Linnet",
    "Merlin",
)


def padded_ids(prefix: str, count: int, *, width: int) -> pl.Series:
    """``count`` ids ``prefix`` + 1-based number, zero-padded to at least ``width`` digits.

    Examples
    --------
    >>> padded_ids("C", 3, width=4).to_list()
    ['C0001', 'C0002', 'C0003']
    """
    digits = max(width, len(str(count)))
    numbers = pl.int_range(1, count + 1, eager=True).cast(pl.String).str.zfill(digits)
    return (prefix + numbers).rename("id")


def fictional_names(
    given: tuple[str, ...],
    family: tuple[str, ...],
    count: int,
    rng: np.random.Generator,
    *,
    title: str = "",
) -> pl.Series:
    """``count`` distinct two-word names such as "Maple Otter"; numbered past the word lists.

    The first names share neither word while the shorter list lasts. The list
    lengths must be coprime with the length of ``given`` plus one (48 and 48, 20
    and 20) for every pair of words to come up once.

    Examples
    --------
    >>> names = fictional_names(CLIENT_GIVEN, CLIENT_FAMILY, 3, np.random.default_rng(1))
    >>> len(set(names.to_list()))
    3
    """
    index = np.arange(count)
    round_of = index // (len(given) * len(family))
    within = index % (len(given) * len(family))
    first = rng.permutation(len(given))[within % len(given)]
    second = rng.permutation(len(family))[(within + within // len(given)) % len(family)]
    names = title + pl.Series(given).gather(first) + " " + pl.Series(family).gather(second)
    numbered = names + " " + pl.Series(round_of + 1).cast(pl.String)
    return names.zip_with(pl.Series(round_of == 0), numbered).rename("name")
