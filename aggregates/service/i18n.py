"""The pages' words in Chinese (the default) and English: one table, one lookup."""

from __future__ import annotations

LANGS = ("zh", "en")

STRINGS: dict[str, dict[str, str]] = {
    "title": {"zh": "尾矿砂石供应规划", "en": "Tailings aggregate planning"},
    "differences": {"zh": "与已发布方案的差别", "en": "Against the published plan"},
    "login": {"zh": "登录", "en": "Log in"},
    "logout": {"zh": "退出", "en": "Log out"},
    "name": {"zh": "用户名", "en": "User name"},
    "password": {"zh": "密码", "en": "Password"},
    "bad_login": {"zh": "用户名或密码错误", "en": "Wrong name or password"},
    "too_many": {"zh": "登录失败次数过多，请一分钟后再试", "en": "Too many failed logins; try again in a minute"},
    "other_lang": {"zh": "English", "en": "中文"},
    "welcome": {"zh": "欢迎", "en": "Welcome"},
    "role_planner": {"zh": "规划人员", "en": "planner"},
    "role_official": {"zh": "管理部门", "en": "official"},
    "role_project": {"zh": "项目团队", "en": "project team"},
    "jobs": {"zh": "计算任务", "en": "Jobs"},
    "kind": {"zh": "类型", "en": "Kind"},
    "status": {"zh": "状态", "en": "Status"},
    "progress": {"zh": "进度", "en": "Progress"},
    "left": {"zh": "预计剩余", "en": "Time left"},
    "cancel": {"zh": "取消", "en": "Cancel"},
    "no_jobs": {"zh": "暂无任务", "en": "No jobs yet"},
    "api_docs": {"zh": "接口文档", "en": "API documentation"},
    "queued": {"zh": "排队中", "en": "queued"},
    "running": {"zh": "运行中", "en": "running"},
    "done": {"zh": "已完成", "en": "done"},
    "failed": {"zh": "失败", "en": "failed"},
    "cancelled": {"zh": "已取消", "en": "cancelled"},
}

# --- the role pages (aggregates/service/web) ---
STRINGS |= {
    "nav_scenarios": {"zh": "情景", "en": "Scenarios"},
    "nav_compare": {"zh": "方案比较", "en": "Compare"},
    "nav_plans": {"zh": "已发布方案", "en": "Published plans"},
    "nav_coverage": {"zh": "工地供应查询", "en": "Site coverage"},
    "new_scenario": {"zh": "新建情景", "en": "New scenario"},
    "scenario": {"zh": "情景", "en": "Scenario"},
    "edit_run": {"zh": "编辑 / 运行", "en": "Edit / run"},
    "no_scenarios": {"zh": "暂无已存情景", "en": "No stored scenarios"},
    "invalid": {"zh": "情景有误:", "en": "The scenario has problems:"},
    "valid": {"zh": "情景校验通过", "en": "The scenario is valid"},
    "f_name": {"zh": "名称", "en": "Name"},
    "f_years": {"zh": "规划年份", "en": "Years"},
    "f_target": {"zh": "替代目标(百万吨/年)", "en": "Target (Mt/yr)"},
    "f_from": {"zh": "目标起始年份", "en": "Target from year"},
    "f_path": {"zh": "需求情景(low / central / high)", "en": "Demand path (low / central / high)"},
    "f_chains": {"zh": "运输方式", "en": "Transport chains"},
    "f_policies": {"zh": "政策开关", "en": "Policy switches"},
    "f_access_rules": {"zh": "通行限制", "en": "Access rules"},
    "f_allow_closing": {"zh": "允许基地减产", "en": "Bases may close"},
    "f_natural_allowed": {"zh": "允许天然砂石", "en": "Natural aggregate allowed"},
    "f_seasons": {"zh": "分季节", "en": "Seasons"},
    "check": {"zh": "校验", "en": "Check"},
    "save": {"zh": "保存", "en": "Save"},
    "run": {"zh": "运行", "en": "Run"},
    "form_note": {
        "zh": "表单中改动的项写入右侧 YAML;其余各项以 YAML 为准。",
        "en": "Fields you change are written into the YAML beside; everything else is as the YAML says.",
    },
    "job": {"zh": "任务", "en": "Job"},
    "publish": {"zh": "发布", "en": "Publish"},
    "published": {"zh": "已发布", "en": "published"},
    "result": {"zh": "结果", "en": "Result"},
    "gap": {"zh": "求解间隙", "en": "Gap"},
    "elapsed": {"zh": "已用时间", "en": "Elapsed"},
    "headline": {"zh": "主要指标", "en": "Headline figures"},
    "map": {"zh": "地图", "en": "Map"},
    "charts": {"zh": "图表", "en": "Charts"},
    "kpis_by_year": {"zh": "分年指标", "en": "Figures by year"},
    "flow_chart": {"zh": "流向图", "en": "Flow chart"},
    "no_flows": {"zh": "本年没有固废砂石流向", "en": "No solid-waste aggregate flows this year"},
    "bases": {"zh": "基地", "en": "Bases"},
    "answers": {"zh": "查询结果", "en": "Answers"},
    "downloads": {"zh": "文件下载", "en": "Downloads"},
    "no_files": {"zh": "暂无文件", "en": "No files yet"},
    "compare_pick": {"zh": "选择 2 至 6 个已完成的方案:", "en": "Pick 2 to 6 done plans:"},
    "no_plans": {"zh": "暂无方案", "en": "No plans yet"},
    "compare": {"zh": "比较", "en": "Compare"},
    "kpi_deltas": {"zh": "指标及与第一个方案之差", "en": "Figures and differences from the first plan"},
    "reference": {"zh": "基准", "en": "reference"},
    "what_changed": {
        "zh": "变化图层(流向增减、新增、取消,基地建或不建)",
        "en": "What changed (flows grown, shrunk, new, gone; bases built or not)",
    },
    "finished": {"zh": "完成时间", "en": "Finished"},
    "printable_report": {"zh": "可打印报告", "en": "Printable report"},
    "against_plan": {"zh": "依据的已发布方案", "en": "Published plan"},
    "place": {"zh": "地点(中文或拼音)", "en": "Place (Chinese or pinyin)"},
    "place_hint": {"zh": "如 雄安、xiongan", "en": "e.g. 雄安, xiongan"},
    "lat": {"zh": "纬度", "en": "Latitude"},
    "lon": {"zh": "经度", "en": "Longitude"},
    "crs": {"zh": "坐标系", "en": "Datum"},
    "latlon_hint": {"zh": "填写地点名称,或在右侧地图上点击选点。", "en": "Give a place name, or click the map beside."},
    "tonnes": {"zh": "需求量(吨/年)", "en": "Tonnes a year"},
    "product": {"zh": "产品", "en": "Product"},
    "year": {"zh": "年份", "en": "Year"},
    "site_name": {"zh": "工地名称(可选)", "en": "Site name (optional)"},
    "ask": {"zh": "查询", "en": "Ask"},
    "reoptimise": {"zh": "重新优化(计算任务)", "en": "Re-optimise (as a job)"},
    "click_map": {"zh": "点击地图选取工地位置(WGS-84)", "en": "Click the map to place the site (WGS-84)"},
    "the_answer": {"zh": "答复", "en": "The answer"},
    "basis_plan": {"zh": "本答复依据已发布方案", "en": "This answer holds against the published plan"},
    "basis_why": {
        "zh": "工地单独按该方案剩余的基地产能和线路能力核算,其他流向保持不变;重新优化会把工地加入需求、重新安排全区域流向,结果可能不同(可请规划人员提交重新优化任务)。",
        "en": "The site is checked alone against the room the plan leaves, every other flow kept; a re-optimisation "
        "re-plans the whole region with the site added and may answer otherwise (a planner can queue one as a job).",
    },
    "reason": {"zh": "原因", "en": "Why"},
    "options_room": {"zh": "有剩余能力的供应选项(按到场价排序)", "en": "Options with room left (cheapest first)"},
    "options_full": {"zh": "已无剩余能力的选项", "en": "Options with no room left"},
    "base": {"zh": "基地", "en": "Base"},
    "chain": {"zh": "运输方式", "en": "Mode"},
    "cost_t": {"zh": "到场价(元/吨)", "en": "Delivered (yuan/t)"},
    "hours": {"zh": "小时", "en": "Hours"},
    "co2e_t": {"zh": "CO₂e(千克/吨)", "en": "CO₂e (kg/t)"},
    "room": {"zh": "剩余能力(吨/年)", "en": "Room left (t/yr)"},
    "given": {"zh": "分配(吨)", "en": "Given (t)"},
    "near": {"zh": "在规则范围内", "en": "Within the rule"},
    "none": {"zh": "无", "en": "None"},
    "busy": {"zh": "正在回答其他查询,请稍后再试", "en": "Busy answering other questions; ask again in a moment"},
}


# --- day dispatch (aggregates/service/web/dispatch.py) ---
STRINGS |= {
    "nav_days": {"zh": "调度日", "en": "Day dispatch"},
    "dispatch_a_day": {"zh": "调度一天", "en": "Dispatch a day"},
    "dispatch_note": {
        "zh": "按已发布方案排出一个典型日或高峰日的车辆和列车(与命令 aggregates dispatch 相同),作为计算任务运行。",
        "en": "Trucks and trains of one typical or peak day of the published plan (as aggregates dispatch makes "
        "them), run as a job.",
    },
    "publish_to_dispatch": {"zh": "发布方案后可调度一天", "en": "Publish the plan to dispatch a day of it"},
    "days_of_plan": {"zh": "已调度的日子", "en": "Days dispatched"},
    "no_days": {"zh": "暂无调度日", "en": "No days dispatched yet"},
    "dispatch_of": {"zh": "方案调度", "en": "dispatch of"},
    "d_day": {"zh": "日子", "en": "Day"},
    "d_year": {"zh": "年份", "en": "Year"},
    "d_bases": {"zh": "只调度这些基地", "en": "Only these bases"},
    "bases_hint": {
        "zh": "不选则调度全部基地,并与方案的车队规模比较。",
        "en": "None ticked: every base, compared with the plan's fleet sizing.",
    },
    "d_time_limit_s": {"zh": "每部分求解时间(秒)", "en": "Routing seconds per part"},
    "limit_hint": {"zh": "默认取情景 dispatch.time_limit_s", "en": "default: the scenario's dispatch.time_limit_s"},
    "d_truck_cap": {"zh": "车队上限", "en": "Fleet caps"},
    "d_gantt_depots": {"zh": "甘特图场站数", "en": "Depots in the Gantt chart"},
    "cap_hint": {
        "zh": "写作 场站:车型=辆数,如 b-one:diesel=50(车型 diesel 或 bet),逗号分隔;不填则不设上限。",
        "en": "write <depot>:<truck>=<trucks>, e.g. b-one:diesel=50 (truck diesel or bet), separated by commas; "
        "none: no cap.",
    },
    "queue_day": {"zh": "提交调度任务", "en": "Queue the day"},
    "day_typical": {"zh": "典型日", "en": "typical day"},
    "day_peak": {"zh": "高峰日", "en": "peak day"},
    "day_of": {"zh": "调度日", "en": "Dispatched day"},
    "the_plan": {"zh": "方案", "en": "plan"},
    "day_failed": {"zh": "这一天无法调度:", "en": "The day cannot be dispatched:"},
    "day_waiting": {"zh": "正在计算,本页自动刷新。", "en": "Being dispatched; this page refreshes itself."},
    "routed_in": {"zh": "求解用时", "en": "Routed in"},
    "against_sizing": {"zh": "与方案车队规模比较", "en": "Against the plan's fleet sizing"},
    "on_the_day": {"zh": "当日", "en": "On the day"},
    "plan_on_day": {"zh": "方案(按当日折算)", "en": "Plan, scaled to the day"},
    "ratio": {"zh": "倍数", "en": "Ratio"},
    "day_map": {"zh": "调度日地图", "en": "Map of the day"},
    "open_map": {"zh": "打开地图", "en": "Open the map"},
    "open_gantt": {"zh": "打开甘特图", "en": "Open the Gantt chart"},
    "vs_sizing": {"zh": "方案车队规模", "en": "fleet sizing"},
    "no_sizing": {"zh": "方案中无此项", "en": "none in the plan's sizing"},
    "c_loads": {"zh": "车次", "en": "Loads"},
    "c_bet": {"zh": "换电重卡(出车)", "en": "Electric trucks working"},
    "c_diesel": {"zh": "柴油重卡(出车)", "en": "Diesel trucks working"},
    "c_trains": {"zh": "列车", "en": "Trains"},
    "c_km_empty": {"zh": "空驶公里", "en": "Empty km"},
    "c_km_loaded": {"zh": "重载公里", "en": "loaded km"},
    "c_co2e": {"zh": "CO₂e(吨, 油井到车轮)", "en": "CO₂e (t, well-to-wheel)"},
    "c_swaps": {"zh": "换电次数", "en": "Battery swaps"},
    "c_swaps_sub": {"zh": "场站 / 途中", "en": "at depots / on the way"},
    "f_electric_trucks_working": {"zh": "换电重卡出车", "en": "electric trucks working"},
    "f_diesel_trucks_working": {"zh": "柴油重卡出车", "en": "diesel trucks working"},
    "f_electric_fleet": {"zh": "换电重卡车队(出勤率 {a})", "en": "electric trucks in fleet (/{a} availability)"},
    "f_diesel_fleet": {"zh": "柴油重卡车队(出勤率 {a})", "en": "diesel trucks in fleet (/{a} availability)"},
    "f_loaded_truck_trips_a_day": {"zh": "每日重载车次", "en": "loaded truck trips a day"},
    "f_trains_a_day": {"zh": "每日列车", "en": "trains a day"},
}


# The stages a job reports (aggregates.pipeline.progress.STAGES and the service's own), as the jobs page shows them.
STAGE_WORDS: dict[str, dict[str, str]] = {
    "queued": {"zh": "排队中", "en": "queued"},
    "starting": {"zh": "启动中", "en": "starting"},
    "reading the region": {"zh": "读取区域数据", "en": "reading the region"},
    "building the network": {"zh": "构建运输网络", "en": "building the network"},
    "computing route options": {"zh": "计算运输路径", "en": "computing route options"},
    "assembling the model": {"zh": "组建优化模型", "en": "assembling the model"},
    "solving": {"zh": "求解中", "en": "solving"},
    "finding the binding limits": {"zh": "查找约束瓶颈", "en": "finding the binding limits"},
    "writing up the plan": {"zh": "整理方案结果", "en": "writing up the plan"},
    "reading the plan": {"zh": "读取方案", "en": "reading the plan"},
    "routing trucks": {"zh": "车辆路径求解", "en": "routing trucks"},
    "drawing the day": {"zh": "绘制甘特图和地图", "en": "drawing the day"},
    "done": {"zh": "完成", "en": "done"},
    "cancelled": {"zh": "已取消", "en": "cancelled"},
}


def stage_words(lang: str) -> dict[str, str]:
    """The stage names in ``lang``, keyed by the stage (``solving`` stands for ``solving with <solver>``)."""
    return {stage: words[lang] for stage, words in STAGE_WORDS.items()}


def lang_of(value: str | None) -> str:
    """``en`` when asked for, else Chinese."""
    return value if value in LANGS else "zh"


def translator(lang: str):
    """``t(key)``: the word in ``lang`` (the key itself when the table lacks it, so a gap shows, not fails)."""

    def t(key: str) -> str:
        return STRINGS.get(key, {}).get(lang, key)

    return t
