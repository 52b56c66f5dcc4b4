"""Your own dashboard page from Bridges' components (docs/dashboard.md): solara run docs/examples/own_page.py"""

from mesa.visualization import Slider, SolaraViz

from bridges.components import AttitudePlot, CityView, ContactPlot
from bridges.model import BridgesModel

model = BridgesModel(n_agents=1000, scenario="volunteering", steps=26, seed=1)
page = SolaraViz(model, components=[CityView, AttitudePlot, ContactPlot], name="My city: volunteering",
                 model_params={"scenario": "volunteering", "steps": 26, "n_agents": Slider("Residents", 1000, 200, 5000, 100),
                               "seed": Slider("Seed", 1, 0, 100, 1)})
