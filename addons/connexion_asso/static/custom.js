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
    /* sao speaks the browser's language until it has read the user's
       preferences, and turns to the user's language only after opening the
       actions of the login (the team's dashboard): a French user with an
       English browser got a board in English (issue 16). The user's
       language, in the context read first, is set before them. */
    var reload_context = Sao.Session.prototype.reload_context;
    Sao.Session.prototype.reload_context = function() {
        return reload_context.apply(this, arguments).then(() => {
            var language = this.context.language;
            if (language && language != Sao.i18n.getlang()) {
                return Sao.i18n.setlang(language);
            }
        });
    };
    /* "Export List to Spreadsheet" exported the records the list had
       loaded, not every record of its search (issue 16, item 10): it is
       handed the list's search as sao's own export has it (domain, order);
       connexion_asso/export.py searches them. */
    var execute = Sao.Action.execute;
    Sao.Action.execute = function(action, data, context, keyword) {
        var tab = Sao.Tab.tabs.get_current();
        var screen = tab && tab.screen;
        if (action && action.wiz_name == 'connexion.export.xlsx' &&
                action.records == 'listed' && screen && data &&
                screen.model_name == data.model) {
            context = jQuery.extend({}, context, {
                export_domain: screen.search_domain(
                    screen.screen_container.get_text()),
                export_order: screen.order,
            });
        }
        return execute.call(this, action, data, context, keyword);
    };
    /* A list of a form that its view declares without creation or
       deletion (create="0", delete="0": a donor's tax receipts, issued by
       their wizard only) shows no such buttons; sao greys them out, and
       they look as if they worked (issue 16). */
    var One2Many = Sao.View.Form.One2Many.prototype;
    var set_button_sensitive = One2Many._set_button_sensitive;
    One2Many._set_button_sensitive = function() {
        set_button_sensitive.apply(this, arguments);
        var refused = name => ['0', 0, false].includes(this.attributes[name]);
        this.but_new.toggle(!refused('create'));
        this.but_del.toggle(!refused('delete'));
        this.but_undel.toggle(!refused('delete'));
    };
    /* Lists at 1280 px (a laptop, the menu open): sao gives a date, a
       time or a number the width of ten characters, and a list of seven
       columns scrolled sideways. These get the width they need (and
       custom.css lets the headers wrap) (issue 16). */
    var NARROW = {date: 7, time: 5, integer: 6, float: 8, numeric: 8,
        timedelta: 6};
    var Tree = Sao.View.Tree.prototype;
    var set_column_width = Tree._set_column_width;
    Tree._set_column_width = function(column) {
        set_column_width.call(this, column);
        var width = NARROW[column.attributes.widget];
        if (width && !column.col.data('custom-width')) {
            if (column.attributes.symbol) {
                width += 2;
            }
            var factor = 1 + (parseInt(column.attributes.expand, 10) || 0);
            width = width * 100 * factor + '%';
            column.col.data('default-width', width);
            column.col.css('width', width);
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
