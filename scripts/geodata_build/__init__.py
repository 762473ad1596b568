"""The steps of scripts/build_geodata.py: read geodata/sources/, reconstruct the areas, write geodata/.

- sources:     paths, the JSON data files of geodata/sources/ and the copied source files
- wording:     the public wording of provenance texts (public_wording.json)
- geometry:    metric/lon-lat transforms and polygon helpers (EPSG:25833)
- reconstruct: the focus areas and the Karl-Laux extension from election districts and streets
- areas:       funding-area versions and focus areas (area_versions.json), checkpoints (checkpoints.json)
- projects:    project status, location and area (projects.csv, project_rules.json)
- timeline:    milestones (milestones.json) and the OSM Stadtteile context layer
- places:      geodata/context/places.geojson (streets, stops, addresses, places; own layout)
- build:       runs the steps and writes the files through geoservice.storage.geojson (as `geodata dump` does)
"""
