"""The browser pages of the three roles, over the service's auth, jobs and storage.

* planners (:mod:`.planner`): scenarios with a form beside their YAML, live jobs, a job's result;
* planners and officials (:mod:`.compare`): 2 to 6 plans compared, with what changed;
* officials (:mod:`.official`): published plans, their map, supply matrix, conclusion and report;
* project teams (:mod:`.project`): a coverage question by place name or map click, answered in words;
* all three (:mod:`.dispatch`): a day of a published plan dispatched (planners queue it), its figures and map.

Pages are server-rendered (``templates/``), Chinese unless ``?lang=en``, and load nothing from
outside the server (:mod:`.assets` serves their CSS, JS and the Vega bundle).
"""

from fastapi import APIRouter

from aggregates.service.web import assets, compare, dispatch, official, planner, project

router = APIRouter(include_in_schema=False)
for _part in (assets, planner, compare, official, project, dispatch):
    router.include_router(_part.router)

__all__ = ["router"]
