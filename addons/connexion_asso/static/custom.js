/* Connexion's corrections to sao, the web client: sao's index.html loads
   custom.js after itself; connexion_asso/web_client.py serves this file. */
(function() {
    'use strict';

    /* A selection field's list is emptied and refilled at each display of
       its form, and sao selects the record's value again only in a later
       task: a button clicked meanwhile read the first option and saved it.
       Typing a date on another tab of a dream and clicking 'Planifier'
       without leaving the field redisplays the form on that very click:
       'Signalé par' became 'Autre', the first in alphabetical order
       (issue 16, item 1). The record's value is selected at once. */
    var Selection = Sao.View.Form.Selection.prototype;
    var set_selection = Selection.set_selection;
    Selection.set_selection = function(selection, help) {
        set_selection.call(this, selection, help);
        if (this.record && this.field) {
            var value = this.field.get(this.record);
            if (selection.some(e => e[0] === value)) {
                this.select.val(JSON.stringify(value));
            }
        }
    };
    /* The application is the association's Connexion, not Tryton: the
       window's title, the menu's header and the login dialog say so
       (issue 16, item 8). */
    Sao.config.title = 'Connexion';
    var login_dialog = Sao.Session.login_dialog;
    Sao.Session.login_dialog = function() {
        var dialog = login_dialog.apply(this, arguments);
        dialog.header.find('.modal-title').attr('title', Sao.config.title)
            .text(Sao.config.title);
        return dialog;
    };
    jQuery(function() {
        document.title = Sao.config.title;
        jQuery('#title').text(Sao.config.title);
    });

    /* Graphs: sao labels the categories of a selection field with its raw
       values ('follow_up', 'give') in the order the records come. They are
       labelled as the field's selection says, in its order (the workflow's
       for a state), and the labels are not wrapped inside words (issue 16,
       item 6). */
    var Chart = Sao.View.Graph.Chart.prototype;
    var update_data = Chart.update_data;
    Chart.update_data = function(group) {
        return update_data.call(this, group).then(data => {
            var field = this.view.screen.model.fields[this.xfield.name];
            var selection = field && field.description.selection;
            if (!Array.isArray(selection)) {
                return data;
            }
            var position = new Map(selection.map((e, i) => [e[0], i]));
            var label = new Map(selection);
            var labels = data.columns[0];
            var rank = i => position.has(labels[i]) ?
                position.get(labels[i]) : selection.length;
            var order = labels.map((_, i) => i).slice(1).sort(
                (a, b) => rank(a) - rank(b) || a - b);
            var ids = {};
            data.columns = data.columns.map(column => [column[0]].concat(
                    order.map(i => column[i] === undefined ? null : column[i])));
            data.columns[0] = ['labels'].concat(order.map(i => {
                var value = labels[i];
                var text = label.has(value) ? label.get(value) : value;
                if (text === null || text === undefined || text === '') {
                    text = '\u2014';
                }
                ids[text] = (ids[text] || []).concat(this.ids[value] || []);
                return text;
            }));
            this.ids = ids;
            return data;
        });
    };
    var bb_config = Chart._bb_config;
    Chart._bb_config = function(data) {
        var config = bb_config.call(this, data);
        if (config.axis && config.axis.x && config.axis.x.type == 'category') {
            var tick = {multiline: false};
            if (!(this instanceof Sao.View.Graph.HorizontalBar)) {
                // Labels too long for their column are slanted, a dozen
                // at most (36 months read as one per quarter).
                tick.autorotate = true;
                tick.rotate = 25;
                tick.culling = {max: 12};
            }
            config.axis.x.tick = jQuery.extend(config.axis.x.tick || {}, tick);
        }
        return config;
    };
    /* A board's action computes its domain but sao never hands it to the
       action's screen: "Étapes en retard" listed every step, future ones
       too, and "Rêves par catégorie" the dreams without a wish (issue 16,
       item 6). The screen shares the action's domain (update_domain changes
       that very list, as Tryton's desktop client passes it). */
    Object.defineProperty(Sao.View.Board.Action.prototype, 'screen', {
        get: function() {
            return this._screen;
        },
        set: function(screen) {
            if (screen && this.domain) {
                screen.domain = this.domain;
            }
            this._screen = screen;
        },
        configurable: true,
    });
}());
