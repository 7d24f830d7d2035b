"""科普基地与场馆: institutions and their designations, certification, annual reports, the 科技馆 system,
示范创建 and 表彰. One module per part; Django finds the models through this package."""

from kesu.venues.models.annual import *  # noqa: F403
from kesu.venues.models.certification import *  # noqa: F403
from kesu.venues.models.institutions import *  # noqa: F403
from kesu.venues.models.system import *  # noqa: F403
