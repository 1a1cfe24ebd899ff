"""The scene synthesizer: running-speed scenes rendered as session folders with ground truth.

``scene`` reads and checks a scene file (the catalogue is ``scenes/*.toml``); ``cutouts`` cuts
real objects out of real photos (``cutouts.toml``); ``motion`` says where the runner and every
object are at any time; ``camera`` projects; ``ground`` draws sky, backdrop and ground;
``render`` draws the objects, blur, light and noise; ``ranger`` computes the HC-SR04 trace;
``truth`` says what was really there; ``output`` writes it all as a session folder.
"""

from rearguard.synth.scene import Scene, SceneError, catalogue, load_scene

__all__ = ["Scene", "SceneError", "catalogue", "load_scene"]
