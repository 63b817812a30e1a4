"""A throwaway fourth source for the tests: Club Kart, a championship of two rounds a season, answered from a dict
instead of the network (`ANSWERS`). It is what a real new source is: one package (its `ABOUT`, its `Settings` and
its `SOURCE`) and one registry line (`workers.sources.register("clubkart", "tests.contract.fourth_source")`, a line of
`workers.sources.PACKAGES` for a source of the project); no generic module names it."""

from pydantic_settings import SettingsConfigDict

from workers.settings import SourceSettings
from workers.sources import lazy_attributes
from workers.sources.about import CC_BY_NC_SA_4, SEASONS, About, Attribution

ABOUT = About(name="clubkart", label="Club Kart", role=SEASONS, serves="club-kart",
              attribution=Attribution("Club Kart", "https://club-kart.example", CC_BY_NC_SA_4,
                                      "Club Kart results: club-kart.example, CC BY-NC-SA 4.0"))


class Settings(SourceSettings):
    model_config = SettingsConfigDict(env_prefix="CLUBKART_", extra="ignore", case_sensitive=True)

    BASE_URL: str = "https://club-kart.example/api"  # never asked: the client answers from ANSWERS
    FIRST_YEAR: int = 2001


__getattr__ = lazy_attributes(__name__, ("SOURCE", "ANSWERS"))
