"""Label sets of the classifier measures: the one place each allowed value is listed."""

from __future__ import annotations

import numpy as np

WORK_MODES = ("plan", "build", "fix", "understand", "test", "operate", "analyze", "orchestrate", "communicate")
CODE_WRITING_MODES = ("build", "fix", "test")

CODEBASE_RELATIONSHIPS = ("modify_existing", "explore_code", "create_from_scratch", "not_in_codebase")

EXPERTISE_LEVELS = (1, 2, 3, 4, 5)  # novice, beginner, intermediate, advanced, expert; NULL = unclear
EXPERTISE_NAMES = {1: "novice", 2: "beginner", 3: "intermediate", 4: "advanced", 5: "expert"}

OUTCOMES = ("succeeded", "partially_succeeded", "failed", "no_clear_goal")
SIGNAL_LEVELS = (0, 1, 2, 3, 4, 5)  # success and failure evidence strength

# Freelance value tiers (USD, fixed price): values are used as ordinal bands, not dollars.
VALUE_TIERS = {1: (10.0, 200.0), 2: (200.0, 1_000.0), 3: (1_000.0, 5_000.0), 4: (5_000.0, 50_000.0)}

# SOC 2018 major groups.
SOC_MAJOR_GROUPS = {
    "11-0000": "Management",
    "13-0000": "Business and Financial Operations",
    "15-0000": "Computer and Mathematical",
    "17-0000": "Architecture and Engineering",
    "19-0000": "Life, Physical, and Social Science",
    "21-0000": "Community and Social Service",
    "23-0000": "Legal",
    "25-0000": "Educational Instruction and Library",
    "27-0000": "Arts, Design, Entertainment, Sports, and Media",
    "29-0000": "Healthcare Practitioners and Technical",
    "31-0000": "Healthcare Support",
    "33-0000": "Protective Service",
    "35-0000": "Food Preparation and Serving Related",
    "37-0000": "Building and Grounds Cleaning and Maintenance",
    "39-0000": "Personal Care and Service",
    "41-0000": "Sales and Related",
    "43-0000": "Office and Administrative Support",
    "45-0000": "Farming, Fishing, and Forestry",
    "47-0000": "Construction and Extraction",
    "49-0000": "Installation, Maintenance, and Repair",
    "51-0000": "Production",
    "53-0000": "Transportation and Material Moving",
    "55-0000": "Military Specific",
}
SOFTWARE_OCCUPATION = "15-0000"


_TIER_UPPER_EDGES = np.array([VALUE_TIERS[t][1] for t in (1, 2, 3)])


def value_tier(value_usd):
    """Tier 1-4 of a dollar value, or of an array of them; values outside the calibration range fall
    in the end tiers."""
    return np.searchsorted(_TIER_UPPER_EDGES, value_usd, side="right") + 1
