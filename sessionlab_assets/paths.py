"""Where the package's prompt files and SQL live. Both are kept at the project's top level (`prompts/`,
`sql/`), where they are read and edited, and reach the package through the links
`sessionlab_assets/prompts` and `sessionlab_assets/sql`, so an installed wheel carries them too."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROMPTS_DIR = PACKAGE_DIR / "prompts"
SQL_DIR = PACKAGE_DIR / "sql"
