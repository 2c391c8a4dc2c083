"""marshmallow schemas: input (unknown fields raise) and output, shared by API and pages.

Numbers and booleans are strict: "5" is not 5 and "true" is not true. One module an area;
everything is importable from here."""
from __future__ import annotations

from .fields import (  # noqa: F401
    CleanString,
    Ids,
    Share,
    StrictBoolean,
    StrictFloat,
    StrictInteger,
    Text,
)
from .campaigns import (  # noqa: F401
    ApproveConfig,
    CampaignDetailOut,
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    ChooseConfig,
    EventOut,
    GroupIn,
    GroupOut,
    ImportReport,
    MajoritySchema,
    OptionCap,
    QuorumSchema,
    RatingConfig,
    RoundIn,
    RoundOut,
    RulesSchema,
    SECTION_CONFIGS,
    ScaleOption,
    ScoreCap,
    ScoreConfig,
    ScoreFloor,
    SectionIn,
    SectionOut,
    SourceWeights,
    SubjectIn,
    SubjectOut,
    TextConfig,
    TransitionIn,
)
from .ballots import (  # noqa: F401
    BATCH_FORMATS,
    BallotFormOut,
    BatchIn,
    BatchOut,
    CastIn,
    FormRowOut,
    FormSectionOut,
    HandoutIn,
    HandoutOut,
    MAX_BATCH,
    ReceiptOut,
    TokenIn,
    VoidCodeIn,
    VoidCodeOut,
)
from .results import (  # noqa: F401
    ConfirmIn,
    ObjectionAnswerIn,
    HonoureeIn,
    HonoureeOut,
    ObjectionIn,
    ObjectionOut,
    PublicationIn,
    PublicationOut,
    SourceScoreIn,
    SourceScoreOut,
)
from .accounts import (  # noqa: F401
    ApiKeyIn,
    ApiKeyOut,
    UserIn,
    UserOut,
    UserPatch,
)
