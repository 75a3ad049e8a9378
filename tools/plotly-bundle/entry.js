'use strict';
// The trace types the dashboard draws (dashboard/figures.py): scatter comes with the core.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/scattergeo'),
    require('plotly.js/lib/scattermap'),
]);

module.exports = Plotly;
