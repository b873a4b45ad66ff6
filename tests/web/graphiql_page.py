"""What the served GraphiQL page's first tab opens with, read from its script."""

import json
import re

_QUERY = re.compile(r'const EXAMPLE_QUERY = ("(?:[^"\\]|\\.)*");')
_VARIABLES = re.compile(r'parameters\.q \? undefined : ("(?:[^"\\]|\\.)*")\)')


def first_tab(page: str) -> tuple[str, dict[str, str]]:
    """The query and the variables GraphiQL's first tab opens with."""
    [query] = _QUERY.findall(page)
    [variables] = _VARIABLES.findall(page)
    return json.loads(query), json.loads(json.loads(variables))
